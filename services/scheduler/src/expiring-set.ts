/** Bounds of an {@link ExpiringSet}. */
export interface ExpiringSetOptions {
  /** How long a key stays a member after it was added. */
  readonly ttlMs: number;
  /** Most keys held; adding beyond it drops the least recently added. */
  readonly maxSize: number;
  /** The clock in milliseconds; `Date.now` by default. */
  readonly now?: () => number;
}

/**
 * A set of strings whose members expire `ttlMs` after they were (last)
 * added, holding at most `maxSize` of them: a memory of recent facts that
 * may stop being true, such as "this directory tree was complete in the CAS".
 */
export class ExpiringSet {
  readonly #ttlMs: number;
  readonly #maxSize: number;
  readonly #now: () => number;
  /** Key to expiry time, in insertion order, so the first entries are the oldest. */
  readonly #expiries = new Map<string, number>();

  /** Throws a RangeError for a negative or non-integer bound. */
  constructor(options: ExpiringSetOptions) {
    if (!Number.isSafeInteger(options.ttlMs) || options.ttlMs < 0) throw new RangeError(`ExpiringSet ttlMs must be a whole number >= 0, got ${options.ttlMs}`);
    if (!Number.isSafeInteger(options.maxSize) || options.maxSize < 0) throw new RangeError(`ExpiringSet maxSize must be a whole number >= 0, got ${options.maxSize}`);
    this.#ttlMs = options.ttlMs;
    this.#maxSize = options.maxSize;
    this.#now = options.now ?? Date.now;
  }

  /** Members held, expired ones not yet noticed included. */
  get size(): number {
    return this.#expiries.size;
  }

  /** True when `key` was added less than `ttlMs` ago (and not pushed out since). */
  has(key: string): boolean {
    const expiry = this.#expiries.get(key);
    if (expiry === undefined) return false;
    if (expiry > this.#now()) return true;
    this.#expiries.delete(key);
    return false;
  }

  /** Adds `key`, or renews it, for another `ttlMs`. */
  add(key: string): void {
    if (this.#maxSize === 0) return;
    this.#expiries.delete(key);
    this.#expiries.set(key, this.#now() + this.#ttlMs);
    for (const oldest of this.#expiries.keys()) {
      if (this.#expiries.size <= this.#maxSize) break;
      this.#expiries.delete(oldest);
    }
  }
}
