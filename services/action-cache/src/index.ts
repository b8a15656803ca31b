/**
 * @actiond/action-cache: the REAPI action cache.
 *
 * - ActionCache: the store interface the gRPC service and the scheduler use;
 *   DiskActionCache keeps entries on disk, CompletenessCheckingActionCache
 *   turns entries whose blobs left the CAS into misses,
 *   UnchangedResultKeepingActionCache skips rewriting an entry whose outcome
 *   is unchanged.
 * - createActionCacheService: the ActionCache gRPC service for the cmd to
 *   register.
 * - validateActionResult / checkResultBlobs: the checks UpdateActionResult
 *   applies, for other writers that take results from outside.
 */
export type { ActionCache } from './action-cache.ts';
export { DiskActionCache } from './disk-action-cache.ts';
export { UnchangedResultKeepingActionCache } from './unchanged-result-keeping-action-cache.ts';
export {
  CompletenessCheckingActionCache,
  type CompletenessCheckingActionCacheOptions,
} from './completeness-checking-action-cache.ts';
export {
  createActionCacheService,
  type ActionCacheServiceOptions,
  type ActionCacheServiceRegistration,
} from './action-cache-service.ts';
export { MAX_INLINE_BYTES } from './inline-outputs.ts';
export { validateActionResult } from './action-result-validation.ts';
export { checkResultBlobs, type ResultBlobCheck } from './result-blobs.ts';
