/**
 * @actiond/scheduler: the REAPI Execution service and the wrappers around
 * an ActionExecutor that the cmd composes in front of the sandbox runner.
 */
export { CachingActionExecutor, type CachingActionExecutorOptions } from './caching-action-executor.ts';
export { MergingActionExecutor } from './merging-action-executor.ts';
export { EXECUTION_PRIORITY_RANGE, QueuedActionExecutor, type QueuedActionExecutorOptions } from './queued-action-executor.ts';
export { formatDuration, TimeoutPolicy, type TimeoutPolicyOptions } from './timeout-policy.ts';
export { ExecutionOperation, type ExecutionOperationInit } from './execution-operation.ts';
export { OPERATION_NAME_PREFIX, OperationRegistry, type OperationRegistryOptions } from './operation-registry.ts';
