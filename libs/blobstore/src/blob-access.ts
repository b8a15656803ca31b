import type { Readable } from 'node:stream';
import type { Digest, DigestFunction, DigestSet } from '@actiond/digest';

/** Which part of a blob {@link BlobAccess.read} streams, and in what chunks. */
export interface ReadOptions {
  /** First byte to return; 0 by default. Equal to the size yields nothing; beyond it is OUT_OF_RANGE. */
  readonly offset?: number;
  /** Maximum number of bytes to return; 0 or absent means "to the end" (ByteStream `read_limit`). */
  readonly limit?: number;
  /** Upper bound on each chunk the stream yields; 64 KiB by default. */
  readonly chunkSizeBytes?: number;
}

/**
 * A streamed upload of one blob (ByteStream Write, BatchUpdateBlobs). Bytes go to
 * private storage while being hashed; nothing is visible under the digest until
 * {@link BlobWrite.commit} has verified hash and size.
 *
 * Operations are applied one at a time in call order, so concurrent callers
 * (two Write streams for the same upload) cannot interleave bytes.
 */
export interface BlobWrite {
  /** The digest the bytes must match. */
  readonly digest: Digest;
  /** Bytes accepted so far (ByteStream `committed_size`); the full size once complete. */
  readonly committedSize: number;
  /**
   * True once the blob is stored: after a successful commit, or from the start when
   * the blob already existed (ByteStream lets such a write finish early).
   */
  readonly complete: boolean;
  /** True once the write was aborted, by {@link BlobWrite.abort} or a failure; later writes and commits fail. */
  readonly aborted: boolean;
  /**
   * Appends bytes. When `offset` is given it must equal `committedSize` at the moment
   * the write runs, or INVALID_ARGUMENT (nothing changes). More bytes than the digest's
   * size is INVALID_ARGUMENT and aborts the write. On a complete write, bytes are ignored.
   * Once the returned promise settles the write holds no reference to `data` (it has
   * written or copied it), so the caller may reuse that memory.
   */
  write(data: Uint8Array, offset?: number): Promise<void>;
  /**
   * Verifies size then hash and makes the blob visible atomically. A mismatch is
   * INVALID_ARGUMENT naming the expected and actual digest, and nothing is stored.
   * Any failure aborts the write.
   */
  commit(): Promise<void>;
  /** Discards the bytes. Idempotent; a no-op once complete. */
  abort(): Promise<void>;
}

/**
 * Content-addressable blob storage, the interface every CAS user and wrapper shares.
 *
 * Contract:
 * - Blobs are immutable; a digest names exactly one content. Stores verify content
 *   against the digest on every write and never expose a partial or wrong blob.
 * - The empty blob (the function's `emptyDigest`) is always present: never reported
 *   missing, always readable as zero bytes, and writing it stores nothing.
 * - Errors are `ActiondError`s from @actiond/status: NOT_FOUND names a missing digest;
 *   INVALID_ARGUMENT names content that does not match its digest or a bad argument;
 *   OUT_OF_RANGE a read offset past the end; DATA_LOSS a stored blob found damaged
 *   (the store removes it, so the client can upload it again); RESOURCE_EXHAUSTED a
 *   full disk or too many open files; INTERNAL anything else, with the cause attached.
 * - Digests are for {@link BlobAccess.digestFunction}; callers resolve the request's
 *   function before calling.
 */
export interface BlobAccess {
  /** The digest function every digest passed to this store uses. */
  readonly digestFunction: DigestFunction;
  /**
   * The digests from `digests` that are not stored (FindMissingBlobs), deduplicated,
   * in request order. Pass the request's digests as an array: only the missing ones
   * are then deduplicated (building a DigestSet of all 100,000 first costs more than
   * the lookups). A DigestSet is filtered as is.
   */
  findMissing(digests: Iterable<Digest>): Promise<DigestSet>;
  /**
   * The whole blob in memory. For blobs the caller knows to be small (it can check
   * `digest.sizeBytes` first): BatchReadBlobs, Action, Command and Directory messages.
   */
  get(digest: Digest): Promise<Buffer>;
  /**
   * A stream over part or all of a blob (ByteStream Read), read from storage in chunks
   * of at most `chunkSizeBytes`, never buffered whole. NOT_FOUND, OUT_OF_RANGE and
   * DATA_LOSS reject the returned promise, before any byte is streamed. Destroy the
   * stream to stop early; it releases the file when it ends or is destroyed.
   */
  read(digest: Digest, options?: ReadOptions): Promise<Readable>;
  /** Stores a blob held in memory (BatchUpdateBlobs) after verifying it. */
  put(digest: Digest, data: Uint8Array): Promise<void>;
  /** Starts a streamed upload of one blob; `complete` is already true if the blob exists. */
  beginWrite(digest: Digest): Promise<BlobWrite>;
}
