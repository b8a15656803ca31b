import { Readable } from 'node:stream';
import { status } from '@grpc/grpc-js';
import type { Digest, DigestFunction, DigestSet } from '@actiond/digest';
import { ActiondError } from '@actiond/status';
import type { BlobAccess, BlobWrite, ReadOptions } from './blob-access.ts';
import { hasExistenceIndexLookup } from './existence-index-lookup.ts';
import type { MemoryLogBlobStore } from './memory-log-blob-store.ts';

const DEFAULT_CHUNK_BYTES = 64 * 1024;

/**
 * The CAS as the CAS services see it: `inner` (the disk CAS) plus the
 * server's logs kept in a {@link MemoryLogBlobStore}. `get` and `read` ask
 * `inner` first and the log tier only when `inner` says NOT_FOUND, so a
 * blob on disk costs nothing extra and a blob in neither place is the same
 * NOT_FOUND as before; every other error of `inner` passes unchanged.
 *
 * FindMissingBlobs answers for `inner` alone (and so does the
 * ExistenceIndexLookup fast lane, passed through when `inner` has it): a
 * log only in the tier is reported missing, because a blob reported present
 * must be usable as an action input, which the executor hardlinks from the
 * disk CAS. A client that wants such a log as an input uploads it
 * (`put`, `beginWrite` go to `inner`) and from then on it is on disk.
 */
export class LogFallbackBlobAccess implements BlobAccess {
  readonly digestFunction: DigestFunction;
  /**
   * `inner`'s ExistenceIndexLookup, present only when `inner` has one, so
   * that `hasExistenceIndexLookup` sees through this wrapper exactly when it
   * would see `inner`'s; its answers are `inner`'s, like findMissing's.
   */
  readonly hasHexDigest?: (bytes: Uint8Array, start: number, sizeBytes: number) => boolean;
  readonly #inner: BlobAccess;
  readonly #logs: MemoryLogBlobStore;

  /** `logs` must use `inner`'s digest function (a RangeError naming both otherwise). */
  constructor(inner: BlobAccess, logs: MemoryLogBlobStore) {
    if (logs.digestFunction.name !== inner.digestFunction.name) {
      throw new RangeError(`the log tier uses ${logs.digestFunction.name}, but the CAS it extends uses ${inner.digestFunction.name}`);
    }
    this.digestFunction = inner.digestFunction;
    this.#inner = inner;
    this.#logs = logs;
    if (hasExistenceIndexLookup(inner)) this.hasHexDigest = inner.hasHexDigest.bind(inner);
  }

  findMissing(digests: Iterable<Digest>): Promise<DigestSet> {
    return this.#inner.findMissing(digests);
  }

  get(digest: Digest): Promise<Buffer> {
    return this.#inner.get(digest).catch((err: unknown) => {
      const log = this.#logAfter(err, digest);
      // A copy: the caller owns what get returns, and the tier's bytes must stay as they are.
      return Buffer.from(log);
    });
  }

  read(digest: Digest, options: ReadOptions = {}): Promise<Readable> {
    return this.#inner.read(digest, options).catch((err: unknown) => readRange(this.#logAfter(err, digest), digest, options));
  }

  put(digest: Digest, data: Uint8Array): Promise<void> {
    return this.#inner.put(digest, data);
  }

  beginWrite(digest: Digest): Promise<BlobWrite> {
    return this.#inner.beginWrite(digest);
  }

  /** The tier's bytes when `err` is `inner`'s NOT_FOUND and the tier has the log; else rethrows `err`. */
  #logAfter(err: unknown, digest: Digest): Buffer {
    if (!(err instanceof ActiondError) || err.code !== status.NOT_FOUND) throw err;
    const log = this.#logs.lookup(digest);
    if (log === undefined) throw err;
    return log;
  }
}

/**
 * A stream over `data[offset, offset + limit)` in chunks, with the checks
 * and messages of DiskBlobAccess.read: INVALID_ARGUMENT for a negative or
 * fractional offset, limit or chunk size and a zero chunk size,
 * OUT_OF_RANGE for an offset past the end.
 */
function readRange(data: Buffer, digest: Digest, options: ReadOptions): Readable {
  const offset = checkCount(options.offset ?? 0, 'read offset', digest);
  const limit = checkCount(options.limit ?? 0, 'read limit', digest);
  const chunk = checkCount(options.chunkSizeBytes ?? DEFAULT_CHUNK_BYTES, 'read chunk size', digest);
  if (chunk === 0) throw ActiondError.invalidArgument(`read chunk size for blob ${digest} must be positive`);
  if (offset > data.length) {
    throw ActiondError.outOfRange(`read offset ${offset} is beyond the end of blob ${digest} (${digest.sizeBytes} bytes)`);
  }
  const end = limit > 0 ? Math.min(data.length, offset + limit) : data.length;
  const chunks: Buffer[] = [];
  // Copies, for the reason get copies.
  for (let at = offset; at < end; at += chunk) chunks.push(Buffer.from(data.subarray(at, Math.min(end, at + chunk))));
  return Readable.from(chunks);
}

function checkCount(value: number, what: string, digest: Digest): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw ActiondError.invalidArgument(`${what} ${value} for blob ${digest} must be a non-negative integer`);
  }
  return value;
}
