import type { ActionCache } from '@actiond/action-cache';
import type { Digest } from '@actiond/digest';
import { DeferredWorkQueue } from '@actiond/execution';
import type { ActionResult } from '@actiond/proto';

/** How many writes may wait before `put` waits for its own; see {@link WriteBehindActionCache}. */
export const DEFAULT_MAX_PENDING_WRITES = 256;

/**
 * How long the writes wait after a `put`, by default. A client that sends
 * its next Execute at once (a benchmark loop, Bazel with work queued) gets
 * it handled and its sandbox started first; the write then runs while the
 * event loop waits for that sandbox instead of before it. Measured on the
 * loaded machine against writing on the next event-loop turn: 7-17% lower
 * median Execute time back to back (bench/src/execute-ab.ts).
 */
export const DEFAULT_WRITE_DELAY_MS = 3;

/** Options of {@link WriteBehindActionCache}. */
export interface WriteBehindActionCacheOptions {
  /** Writes queued at most before `put` waits for its own; {@link DEFAULT_MAX_PENDING_WRITES} by default. */
  readonly maxPending?: number;
  /** Told about each write that failed (the entry is then not stored, as if never put). Ignored by default. */
  readonly onBackgroundError?: (error: unknown, actionDigest: Digest) => void;
  /** Milliseconds between a `put` and the writes it starts; {@link DEFAULT_WRITE_DELAY_MS} by default, 0 for the next event-loop turn. */
  readonly delayMs?: number;
}

/**
 * Stores action results after the caller moved on: the scheduler's cache
 * write happens after the Execute was answered instead of before. On disk a
 * write is a file created, written and renamed over the previous entry,
 * 0.5-1 ms here and more on a busy disk (bench/RESULTS.md), all of it
 * otherwise on the path of every successful Execute.
 *
 * `put` records the result and returns at once; the writes are made one at
 * a time, a few milliseconds later (`delayMs`), the newest result of each
 * key winning.
 * Until its write is done, `get` through this cache answers from memory,
 * so the executor's own cache check never misses a result it just put.
 * (serve gives the ActionCache service a view that reads through this
 * cache, so GetActionResult sees a result as soon as Execute answered.) The
 * queue is bounded: with `maxPending` writes waiting, `put` waits for its
 * own, so memory cannot grow without bound under a flood of results or a
 * stalled disk. A write that fails goes to `onBackgroundError`: the entry is
 * then simply absent, a miss, which is all a failed cache write ever means.
 * {@link WriteBehindActionCache.drain} waits for every write; call it at
 * shutdown.
 */
export class WriteBehindActionCache implements ActionCache {
  readonly #inner: ActionCache;
  readonly #onError: (error: unknown, actionDigest: Digest) => void;
  /** The newest result put for each key whose write is not done. */
  readonly #pending = new Map<string, { readonly digest: Digest; readonly result: ActionResult }>();
  /** Keys in the order their writes are due, once each. */
  readonly #writes: DeferredWorkQueue<string>;

  /** Throws a RangeError unless `maxPending` is a positive integer and `delayMs` a non-negative one. */
  constructor(inner: ActionCache, options: WriteBehindActionCacheOptions = {}) {
    this.#writes = new DeferredWorkQueue('WriteBehindActionCache', (key) => this.#write(key), {
      maxPending: options.maxPending ?? DEFAULT_MAX_PENDING_WRITES,
      delayMs: options.delayMs ?? DEFAULT_WRITE_DELAY_MS,
    });
    this.#inner = inner;
    this.#onError = options.onBackgroundError ?? (() => {});
  }

  /** Writes queued and not yet done (for tests and logs). */
  get pending(): number {
    return this.#pending.size;
  }

  async get(actionDigest: Digest): Promise<ActionResult | undefined> {
    return this.#pending.get(actionDigest.key)?.result ?? this.#inner.get(actionDigest);
  }

  put(actionDigest: Digest, result: ActionResult): Promise<void> {
    const key = actionDigest.key;
    const queued = this.#pending.has(key);
    this.#pending.set(key, { digest: actionDigest, result });
    // A key already queued is written once, with the newest result.
    return queued ? Promise.resolve() : this.#writes.add(key);
  }

  /** Resolves once every write queued so far was made (or failed). */
  drain(): Promise<void> {
    return this.#writes.drain();
  }

  async #write(key: string): Promise<void> {
    const entry = this.#pending.get(key)!;
    try {
      await this.#inner.put(entry.digest, entry.result);
    } catch (err) {
      this.#onError(err, entry.digest);
    }
    if (this.#pending.get(key) === entry) this.#pending.delete(key);
    // Put again while it was written: the newer result is due too.
    else void this.#writes.add(key);
  }
}
