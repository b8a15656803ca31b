import type { DigestFunction } from '@actiond/digest';

/**
 * What a store with an in-memory existence index (DiskBlobAccess) offers
 * besides `BlobAccess.findMissing`: a synchronous lookup of a digest
 * whose hash is still text in a request's protobuf bytes.
 *
 * FindMissingBlobs of 100,000 digests uses it to answer without making a
 * string or object per digest (see cas-service's find-missing-blobs-wire.ts);
 * everything else, and any store without it (a wrapper hides it), goes
 * through findMissing. Its answers must be exactly findMissing's: a digest
 * is present here if and only if findMissing would not report it, except
 * that the empty blob is the caller's to treat as present.
 */
export interface ExistenceIndexLookup {
  /** The digest function of every hash asked about. */
  readonly digestFunction: DigestFunction;
  /**
   * True when the blob is stored whose hash is the lowercase hex text in
   * `bytes[start, start + digestFunction.hashLengthHex)` (checked by the
   * caller) and whose size is `sizeBytes`.
   */
  hasHexDigest(bytes: Uint8Array, start: number, sizeBytes: number): boolean;
}

/** Whether `blobs` offers {@link ExistenceIndexLookup} (a store's own capability, not part of BlobAccess). */
export function hasExistenceIndexLookup<T extends object>(blobs: T): blobs is T & ExistenceIndexLookup {
  return typeof (blobs as Partial<ExistenceIndexLookup>).hasHexDigest === 'function' && 'digestFunction' in blobs;
}
