export type { ActionExecutor, ExecuteTask } from './action-executor.ts';
export {
  createExecutionTimings,
  renderExecutionTimings,
  storeTimingsLog,
  TIMINGS_LOG_NAME,
  type ExecutionTimings,
  type LogBlobStore,
} from './execution-timings.ts';
export { DeferredWorkQueue, type DeferredWorkQueueOptions } from './deferred-work-queue.ts';
