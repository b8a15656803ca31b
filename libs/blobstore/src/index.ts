export type { BlobAccess, BlobWrite, ReadOptions } from './blob-access.ts';
export type { BlobFiles, ExecutableBlobFile } from './blob-files.ts';
export { DiskBlobAccess } from './disk-blob-access.ts';
export type { DiskBlobAccessOptions, DiskBlobAccessStats } from './disk-blob-access.ts';
export { DiskKeyValueStore } from './disk-key-value-store.ts';
export { hasExistenceIndexLookup, type ExistenceIndexLookup } from './existence-index-lookup.ts';
export type { DiskKeyValueStoreOptions } from './disk-key-value-store.ts';
export { DiskLayout } from './disk-layout.ts';
export { UploadSession, UploadSessions } from './upload-sessions.ts';
export type { UploadSessionsOptions, WriteStatus } from './upload-sessions.ts';
export { MemoryBlobAccess } from './memory-blob-access.ts';
export {
  DEFAULT_LOG_BLOB_BUDGET_BYTES,
  LOG_BLOB_ENTRY_OVERHEAD_BYTES,
  MemoryLogBlobStore,
  type LogBlobOverflow,
  type MemoryLogBlobStoreOptions,
} from './memory-log-blob-store.ts';
export { LogFallbackBlobAccess } from './log-fallback-blob-access.ts';
