import type { ActionCache } from '@actiond/action-cache';
import type { ActionExecutor, ExecuteTask } from '@actiond/execution';
import type { ExecuteResponse } from '@actiond/proto';
import { ActiondError, okStatus } from '@actiond/status';
import type { ActiondMetrics } from '@actiond/telemetry';
import { isOkStatus, withNote } from './execute-responses.ts';

/** The metric label of lookups made for Execute. */
const EXECUTE_METHOD = { method: 'build.bazel.remote.execution.v2.Execution/Execute' };

/** Options of {@link CachingActionExecutor}. */
export interface CachingActionExecutorOptions {
  /** Where hits and misses are counted (Telemetry.metrics); not counted when absent. */
  readonly metrics?: Pick<ActiondMetrics, 'actionCacheHits' | 'actionCacheMisses'>;
}

/**
 * The action cache in front of an executor.
 *
 * Lookup: unless the request set `skip_cache_lookup`, a result stored for
 * the action digest is returned as is with `cached_result: true`, and the
 * action does not run. (do_not_cache does not skip the lookup: only a
 * client's own UpdateActionResult could have stored such an entry, and Bazel
 * sends skip_cache_lookup with it anyway.)
 *
 * Write: after a run, the result is stored for the action digest only when
 * the command exited 0, the Action is not `do_not_cache`, and the response
 * status is OK, so a timed-out run (DEADLINE_EXCEEDED) or one the executor
 * could not finish is never served later. Successful runs with
 * `skip_cache_lookup` overwrite the entry, as REAPI asks.
 *
 * The cache only saves work, so its failures never fail the action: a
 * lookup that fails runs the action, a write that fails still returns the
 * result, and both are noted in ExecuteResponse.message.
 */
export class CachingActionExecutor implements ActionExecutor {
  readonly #inner: ActionExecutor;
  readonly #cache: ActionCache;
  readonly #metrics: CachingActionExecutorOptions['metrics'];

  /**
   * Pass the CompletenessCheckingActionCache the ActionCache service uses, so
   * that an entry whose outputs left the CAS reads as a miss and the action
   * runs again instead of handing Bazel a result it cannot download.
   */
  constructor(inner: ActionExecutor, actionCache: ActionCache, options: CachingActionExecutorOptions = {}) {
    this.#inner = inner;
    this.#cache = actionCache;
    this.#metrics = options.metrics;
  }

  async execute(task: ExecuteTask): Promise<ExecuteResponse> {
    const notes: string[] = [];
    if (!task.skipCacheLookup) {
      try {
        const cached = await this.#cache.get(task.actionDigest);
        if (cached !== undefined) {
          this.#metrics?.actionCacheHits.add(1, EXECUTE_METHOD);
          return { result: cached, cachedResult: true, status: okStatus(), serverLogs: {}, message: '' };
        }
        this.#metrics?.actionCacheMisses.add(1, EXECUTE_METHOD);
      } catch (err) {
        notes.push(`action cache lookup failed, so the action ran: ${ActiondError.from(err).message}`);
      }
    }
    const response = await this.#inner.execute(task);
    if (isCacheable(task, response)) {
      try {
        await this.#cache.put(task.actionDigest, response.result!);
      } catch (err) {
        notes.push(`the result was not stored in the action cache: ${ActiondError.from(err).message}`);
      }
    }
    return notes.reduce(withNote, response);
  }
}

/** Whether REAPI and our policy allow storing the response's result for the task's action. */
function isCacheable(task: ExecuteTask, response: ExecuteResponse): boolean {
  return (
    !task.action.doNotCache &&
    !response.cachedResult &&
    response.result !== undefined &&
    response.result.exitCode === 0 &&
    isOkStatus(response.status)
  );
}
