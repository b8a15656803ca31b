/**
 * @actiond/cas-service: REAPI's ContentAddressableStorage service and the
 * ByteStream service for CAS blobs, over a BlobAccess; plus the request
 * checks (instance names, digest functions, digests) the other REAPI
 * services share, the limits the Capabilities service advertises, and the
 * Directory tree walker that GetTree, the ActionCache and the executor use.
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
export { InstanceNames, instanceNameProblem, RESERVED_INSTANCE_NAME_SEGMENTS } from './instance-names.ts';
export { digestFunctionName, requestDigestFunction } from './request-digest-function.ts';
export { parseRequestDigest } from './request-digest.ts';
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
export { TreeWalker, type TreeWalkOptions, type WalkedDirectory } from './tree-walker.ts';
export { DirectoryCache } from './directory-cache.ts';
