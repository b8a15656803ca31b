import type { Digest } from '@actiond/digest';
import { ActionResult } from '@actiond/proto';
import type { ActionCache } from './action-cache.ts';

/**
 * Leaves an entry alone when the result put for it differs from the stored
 * one only in `execution_metadata`: same exit code, outputs, stdout and
 * stderr, so only the record of which run produced it (worker, timestamps)
 * would change. The stored entry describes an earlier run of the same
 * action with the same outcome, which is what an action-cache entry claims.
 *
 * Why: re-executing an action whose result is already cached is common
 * (Bazel's `--noremote_accept_cached`, a rebuild after `bazel clean` with
 * deterministic actions), and each rewrite of an entry creates a file and
 * frees the old one's inode. On ext4 without a journal a freed inode is
 * skipped by every allocation in its block group for a minute or more
 * (`recently_deleted`), so rewrites made every later file creation on the
 * server's disk slower, in the sandboxes too (bench/RESULTS.md). Reading
 * and comparing the entry costs a small read instead.
 *
 * Wrap the store itself (inside CompletenessCheckingActionCache), so the
 * comparison reads the stored entry as it is. A put that finds no entry,
 * an entry that no longer decodes, or a different result writes as before.
 */
export class UnchangedResultKeepingActionCache implements ActionCache {
  readonly #inner: ActionCache;

  constructor(inner: ActionCache) {
    this.#inner = inner;
  }

  get(actionDigest: Digest): Promise<ActionResult | undefined> {
    return this.#inner.get(actionDigest);
  }

  async put(actionDigest: Digest, result: ActionResult): Promise<void> {
    const stored = await this.#inner.get(actionDigest).catch(() => undefined);
    if (stored !== undefined && outcomeBytes(stored).equals(outcomeBytes(result))) return;
    await this.#inner.put(actionDigest, result);
  }
}

/** The encoded result without its execution_metadata: what the action produced, not when or where. */
function outcomeBytes(result: ActionResult): Buffer {
  return Buffer.from(ActionResult.encode({ ...result, executionMetadata: undefined }).finish());
}
