/**
 * @actiond/scheduler: the REAPI Execution service and the wrappers around
 * an ActionExecutor that the cmd composes in front of the sandbox runner.
 *
 * The cmd assembles, outermost first:
 *
 *     new CachingActionExecutor(
 *       new MergingActionExecutor(
 *         new QueuedActionExecutor(new TimingsLoggingActionExecutor(runner, blobs), { jobs })),
 *       new WriteBehindActionCache(actionCache), { metrics: telemetry.metrics })
 *
 * - Caching outermost: a hit must not wait in the queue or join a merge, and
 *   each request's skip_cache_lookup is honoured for that request alone.
 *   (Merged requests each store the shared result; the puts are identical.)
 * - Merging outside the queue: a joiner must share the run whether it is
 *   still waiting or already running, and must not take a job slot itself.
 * - The cache write behind the answer: an Execute does not wait for the
 *   file the result is stored in; the wrapper serves it from memory meanwhile.
 * - Timings innermost, around the runner: by then the queue has recorded its
 *   wait and the runner its phases, and the log belongs to the one run that
 *   merged requests share.
 *
 * createExecutionService then serves that executor; pass the same
 * InstanceNames, BlobAccess and Telemetry as the CAS and ActionCache services.
 */
export {
  createExecutionService,
  type ExecutionServiceOptions,
  type ExecutionServiceRegistration,
} from './execution-service.ts';
export { CachingActionExecutor, type CachingActionExecutorOptions } from './caching-action-executor.ts';
export { DEFAULT_MAX_PENDING_WRITES, WriteBehindActionCache, type WriteBehindActionCacheOptions } from './write-behind-action-cache.ts';
export { MergingActionExecutor } from './merging-action-executor.ts';
export { EXECUTION_PRIORITY_RANGE, QueuedActionExecutor, type QueuedActionExecutorOptions } from './queued-action-executor.ts';
export { TimingsLoggingActionExecutor } from './timings-logging-action-executor.ts';
export { InputRootChecker, type InputRootCheckerOptions } from './input-root-checker.ts';
export { formatDuration, TimeoutPolicy, type TimeoutPolicyOptions } from './timeout-policy.ts';
export { MAX_ACTION_MESSAGE_BYTES, prepareAction, type ActionPreparationDependencies, type PreparedAction } from './prepared-action.ts';
export { ExecutionOperation, type ExecutionOperationInit } from './execution-operation.ts';
export { OPERATION_NAME_PREFIX, OperationRegistry, type OperationRegistryOptions } from './operation-registry.ts';
