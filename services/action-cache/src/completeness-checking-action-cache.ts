import type { BlobAccess } from '@actiond/blobstore';
import { TreeWalker } from '@actiond/reapi';
import type { Digest } from '@actiond/digest';
import type { ActionResult } from '@actiond/proto';
import type { ActionCache } from './action-cache.ts';
import { checkResultBlobs } from './result-blobs.ts';

/** Options of {@link CompletenessCheckingActionCache}. */
export interface CompletenessCheckingActionCacheOptions {
  /** The CAS the results refer to. */
  readonly blobs: BlobAccess;
  /**
   * Reads the Directories of outputs reported only by `root_directory_digest`;
   * pass the server's shared one (reading from `blobs`) to share its cache.
   */
  readonly walker?: TreeWalker;
  /**
   * How long a result found complete is served without checking again, in
   * milliseconds; 10 s unless given, 0 to check on every get. Short on
   * purpose: a blob removed meanwhile (by CAS eviction) is noticed no later.
   */
  readonly completeForMs?: number;
  /** Most results remembered as complete; the oldest are forgotten first. 10,000 unless given. */
  readonly maxRemembered?: number;
  /** The clock, in milliseconds; Date.now unless given (tests pass their own). */
  readonly now?: () => number;
}

/**
 * An ActionCache that serves a result only when every blob it refers to is
 * in the CAS (see checkResultBlobs: output files, stdout/stderr, output
 * directory Trees and the files they list). An incomplete or malformed entry
 * reads as a miss, so GetActionResult answers NOT_FOUND and the client runs
 * the action again, instead of failing to download an output. The entry is
 * left in place; the client's new result replaces it.
 *
 * Results found complete are remembered for `completeForMs` so that the
 * lookups a build repeats within seconds cost one disk read, not a CAS walk.
 * A put through this wrapper forgets the key; a put that bypasses it (to the
 * wrapped cache directly) may be served unchecked for at most that long.
 */
export class CompletenessCheckingActionCache implements ActionCache {
  readonly #inner: ActionCache;
  readonly #blobs: BlobAccess;
  readonly #walker: TreeWalker;
  readonly #completeForMs: number;
  readonly #maxRemembered: number;
  readonly #now: () => number;
  /** Action digest key → when its result was last found complete; oldest first. */
  readonly #checkedAt = new Map<string, number>();
  /** Puts so far; a check that overlapped a put is not remembered, as it may have seen the old entry. */
  #puts = 0;

  constructor(inner: ActionCache, options: CompletenessCheckingActionCacheOptions) {
    this.#inner = inner;
    this.#blobs = options.blobs;
    this.#walker = options.walker ?? new TreeWalker(options.blobs);
    this.#completeForMs = options.completeForMs ?? 10_000;
    this.#maxRemembered = options.maxRemembered ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  async get(actionDigest: Digest): Promise<ActionResult | undefined> {
    const putsBefore = this.#puts;
    const result = await this.#inner.get(actionDigest);
    if (result === undefined) return undefined;
    const key = actionDigest.key;
    const checkedAt = this.#checkedAt.get(key);
    if (checkedAt !== undefined && this.#now() - checkedAt < this.#completeForMs) return result;
    this.#checkedAt.delete(key);
    const check = await checkResultBlobs(result, this.#blobs, this.#walker);
    if (check.missing.length > 0 || check.malformed.length > 0) return undefined;
    if (this.#puts === putsBefore) this.#remember(key);
    return result;
  }

  async put(actionDigest: Digest, result: ActionResult): Promise<void> {
    // Counted at start and end, so a get overlapping any part of it sees a change.
    this.#puts++;
    this.#checkedAt.delete(actionDigest.key);
    try {
      await this.#inner.put(actionDigest, result);
    } finally {
      this.#puts++;
    }
  }

  #remember(key: string): void {
    if (this.#completeForMs <= 0 || this.#maxRemembered <= 0) return;
    this.#checkedAt.set(key, this.#now());
    // Map iteration is insertion order and a key is deleted before it is set
    // again, so the first keys are the oldest.
    for (const oldest of this.#checkedAt.keys()) {
      if (this.#checkedAt.size <= this.#maxRemembered) break;
      this.#checkedAt.delete(oldest);
    }
  }
}
