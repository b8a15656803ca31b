import type { Digest, DigestFunction } from '@actiond/digest';
import { invalidArgument } from '@actiond/status';

/** The budget of a {@link MemoryLogBlobStore} when none is given: about 25,000 timings logs. */
export const DEFAULT_LOG_BLOB_BUDGET_BYTES = 8 * 1024 * 1024;

/**
 * What each kept log costs besides its bytes (the Map entry, the `hash/size`
 * key string, the Buffer object), charged against the budget so that the
 * budget bounds the heap the tier holds and not only the payload: a
 * 300-byte timings log costs about as much again in bookkeeping.
 */
export const LOG_BLOB_ENTRY_OVERHEAD_BYTES = 256;

/** Where a {@link MemoryLogBlobStore} puts a log too large for its budget: the CAS (a BlobAccess fits). */
export interface LogBlobOverflow {
  readonly digestFunction: DigestFunction;
  put(digest: Digest, data: Uint8Array): Promise<void>;
}

/** Options of a {@link MemoryLogBlobStore}. */
export interface MemoryLogBlobStoreOptions {
  /** Bytes the kept logs may cost in all, overhead included; {@link DEFAULT_LOG_BLOB_BUDGET_BYTES} when absent. */
  readonly maxBytes?: number;
}

/**
 * The in-memory tier for logs the server generates (the `timings` server
 * log of every Execute): the most recent ones, bounded by bytes, oldest
 * evicted first. It is the `LogBlobStore` (@actiond/execution) the
 * TimingsLoggingActionExecutor writes to, so a response's log costs a Map
 * entry instead of a file create in the disk CAS, which costs 0.3-0.75 ms of
 * kernel time on the event loop on journal-less ext4 (ARCHITECTURE.md,
 * Storage), for a blob that is almost never read: Bazel fetches server logs
 * only of failed actions, right after the response.
 *
 * Reading: the CAS services reach these logs through
 * {@link LogFallbackBlobAccess}, which serves a blob from here only when the
 * disk CAS says NOT_FOUND.
 *
 * The presence rule: a log kept here is NOT in the CAS for FindMissingBlobs
 * (nor for the executor, which hardlinks inputs from the disk CAS). A blob
 * reported present must be usable as an action input, and only files on
 * disk are; a client that wants a log as an input uploads it like any other
 * blob, and from then on it is on disk.
 *
 * A log larger than the whole budget is never kept here: it goes to
 * `overflow` (the disk CAS), so it stays readable like any log. Logs live
 * only as long as the process: after a restart, or once evicted, reading one
 * is NOT_FOUND, as for any blob a CAS has dropped.
 */
export class MemoryLogBlobStore {
  /** The digest function of every digest put here; the overflow's. */
  readonly digestFunction: DigestFunction;
  /** The budget, overhead included. */
  readonly maxBytes: number;
  readonly #overflow: LogBlobOverflow;
  /** Insertion order is age order: the first entry is the next to evict. */
  readonly #logs = new Map<string, Buffer>();
  #bytes = 0;

  constructor(overflow: LogBlobOverflow, options: MemoryLogBlobStoreOptions = {}) {
    const maxBytes = options.maxBytes ?? DEFAULT_LOG_BLOB_BUDGET_BYTES;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
      throw new RangeError(`MemoryLogBlobStore maxBytes must be a non-negative integer, got ${String(maxBytes)}`);
    }
    this.digestFunction = overflow.digestFunction;
    this.maxBytes = maxBytes;
    this.#overflow = overflow;
  }

  /** How many logs are kept. */
  get size(): number {
    return this.#logs.size;
  }

  /** What the kept logs cost against the budget: their bytes plus {@link LOG_BLOB_ENTRY_OVERHEAD_BYTES} each. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Keeps a log after verifying it against its digest (INVALID_ARGUMENT
   * naming both, nothing kept, for a mismatch), evicting the oldest logs
   * until the budget holds. A log that alone exceeds the budget goes to the
   * overflow store instead, and its errors are this call's. Putting a log
   * that is kept already makes it the newest. The empty blob is stored
   * nowhere (every CAS has it). The bytes are copied.
   */
  async put(digest: Digest, data: Uint8Array): Promise<void> {
    const actual = this.digestFunction.compute(data);
    if (!actual.equals(digest)) {
      throw invalidArgument(`log content does not match its digest: expected ${digest}, got ${actual}; nothing was stored`);
    }
    if (data.length === 0) return;
    const cost = data.length + LOG_BLOB_ENTRY_OVERHEAD_BYTES;
    if (cost > this.maxBytes) {
      await this.#overflow.put(digest, data);
      return;
    }
    const key = digest.key;
    const kept = this.#logs.get(key);
    if (kept !== undefined) {
      // Re-inserted, so that it is evicted last.
      this.#logs.delete(key);
      this.#logs.set(key, kept);
      return;
    }
    this.#logs.set(key, Buffer.from(data));
    this.#bytes += cost;
    for (const [oldKey, old] of this.#logs) {
      if (this.#bytes <= this.maxBytes) break;
      this.#logs.delete(oldKey);
      this.#bytes -= old.length + LOG_BLOB_ENTRY_OVERHEAD_BYTES;
    }
  }

  /**
   * The kept bytes of a log, or undefined when it is not kept here (never
   * put, evicted, the empty blob, or sent to the overflow store). Shared
   * with the store: do not modify.
   */
  lookup(digest: Digest): Buffer | undefined {
    return this.#logs.get(digest.key);
  }
}
