import { storeTimingsLog, TIMINGS_LOG_NAME, type ActionExecutor, type ExecuteTask, type LogBlobStore } from '@actiond/execution';
import type { ExecuteResponse } from '@actiond/proto';
import { ActiondError } from '@actiond/status';
import { withNote } from './execute-responses.ts';

/**
 * Puts the run's timing record (`task.timings`, filled by the queue and the
 * runner) into the log store and names it in `ExecuteResponse.server_logs` as
 * "timings", human readable, so that Bazel can show where an action's time
 * went. Sits inside the queue, around the runner, so the record is complete
 * when the runner returns; a log the runner set itself is kept.
 *
 * Failing to store the log never fails the action: the response goes back
 * without it and with a note in its message.
 */
export class TimingsLoggingActionExecutor implements ActionExecutor {
  readonly #inner: ActionExecutor;
  readonly #store: LogBlobStore;

  /**
   * `store` is where the client reads server logs from: the server's
   * in-memory log tier (MemoryLogBlobStore), which the CAS services serve,
   * or a BlobAccess.
   */
  constructor(inner: ActionExecutor, store: LogBlobStore) {
    this.#inner = inner;
    this.#store = store;
  }

  async execute(task: ExecuteTask): Promise<ExecuteResponse> {
    const response = await this.#inner.execute(task);
    if (TIMINGS_LOG_NAME in response.serverLogs) return response;
    try {
      const log = await storeTimingsLog(this.#store, task.timings);
      return { ...response, serverLogs: { ...response.serverLogs, [TIMINGS_LOG_NAME]: log } };
    } catch (err) {
      return withNote(response, `the timings log was not stored: ${ActiondError.from(err).message}`);
    }
  }
}
