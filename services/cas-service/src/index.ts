/**
 * @actiond/cas-service: REAPI's ContentAddressableStorage service and the
 * ByteStream service for CAS blobs, over a BlobAccess; plus the limits the
 * Capabilities service advertises. The request checks and the Directory tree
 * walker the services share live in @actiond/reapi.
 */
export { createCasServices, type CasServices, type CasServicesOptions, type ServiceRegistration } from './cas-services.ts';
export {
  BATCH_CONCURRENCY,
  GET_TREE_DEFAULT_PAGE_SIZE,
  GET_TREE_MAX_PAGE_BYTES,
  GET_TREE_MAX_PAGE_SIZE,
  MAX_BATCH_TOTAL_SIZE_BYTES,
  READ_CHUNK_BYTES,
  RECOMMENDED_MAX_MESSAGE_BYTES,
  SUPPORTED_BATCH_UPDATE_COMPRESSORS,
  SUPPORTED_COMPRESSORS,
} from './cas-limits.ts';
export {
  compressorName,
  formatReadResourceName,
  formatUploadResourceName,
  parseReadResourceName,
  parseUploadResourceName,
  type BlobResourceName,
  type ResourceNameContext,
  type UploadResourceName,
} from './resource-name.ts';
