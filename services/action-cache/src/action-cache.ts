import type { Digest } from '@actiond/digest';
import type { ActionResult } from '@actiond/proto';

/**
 * The action cache: ActionResults keyed by the digest of the Action that
 * produced them. Read by GetActionResult and by the scheduler's cache check;
 * written by UpdateActionResult and by the scheduler after a successful
 * execution.
 *
 * Contract:
 * - Keys are digests of the store's digest function; callers validate and
 *   resolve the request's function before calling.
 * - `get` resolves to undefined for "nothing usable here" (no entry, or, in
 *   wrappers, an entry that must not be served); it rejects only when the
 *   store itself fails, with an ActiondError (RESOURCE_EXHAUSTED, INTERNAL).
 * - `put` replaces any previous entry atomically: a concurrent `get` sees the
 *   old or the new result, never a mix. It stores what it is given; checking
 *   the result (well-formed digests and paths, blobs present in the CAS) is
 *   the caller's job, done once at the edge.
 * - Results come back as stored, inline fields included; which bytes to
 *   inline in a response is decided per request by the gRPC service.
 */
export interface ActionCache {
  /** The result stored for `actionDigest`, or undefined when there is none to serve. */
  get(actionDigest: Digest): Promise<ActionResult | undefined>;
  /** Stores `result` for `actionDigest`, replacing any previous one. */
  put(actionDigest: Digest, result: ActionResult): Promise<void>;
}
