export type { ActionExecutor, ExecuteTask } from './action-executor.ts';
