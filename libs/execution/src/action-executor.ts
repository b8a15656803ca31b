import type { Digest } from '@actiond/digest';
import type { Action, Command, ExecuteResponse, ExecutionStage_Value, RequestMetadata } from '@actiond/proto';
import type { ExecutionTimings } from './execution-timings.ts';

/**
 * One action to run, already fetched and validated by the Execution service:
 * the Action and Command messages are parsed, their digests and the input
 * root are known to be in the CAS, and the requested timeout is within the
 * server's maximum.
 */
export interface ExecuteTask {
  readonly instanceName: string;
  readonly actionDigest: Digest;
  readonly action: Action;
  readonly command: Command;
  /** The request's `skip_cache_lookup`: run even when the action cache has a result. */
  readonly skipCacheLookup: boolean;
  /** `ExecutionPolicy.priority`: lower runs sooner; 0 is the default. */
  readonly priority: number;
  /**
   * How long the command may run, in milliseconds: `Action.timeout`, or the
   * server's default when the action has none; never above the server's
   * maximum (the service rejects larger requests). It covers running the
   * command only, not queueing, input materialization or output upload. On
   * expiry the executor kills the command and answers DEADLINE_EXCEEDED in
   * `ExecuteResponse.status`, keeping whatever result it collected.
   */
  readonly timeoutMs: number;
  /**
   * The run's timing record, created empty by the service. The queue fills
   * `queuedMs`; the executor that runs the action fills the other phases and
   * counts. Rendered into `server_logs["timings"]` by the scheduler's
   * TimingsLoggingActionExecutor, so the runner does not store it itself.
   */
  readonly timings: ExecutionTimings;
  /** From the client's `requestmetadata-bin` header, for logs; absent when not sent. */
  readonly requestMetadata: RequestMetadata | undefined;
  /**
   * Aborted when the server shuts down. A client that stops waiting does not
   * abort the action (its result still fills the cache for the retry).
   */
  readonly signal: AbortSignal;
  /** Called as the action moves through the stages (QUEUED, EXECUTING); the caller streams them. */
  readonly onStage: (stage: ExecutionStage_Value) => void;
}

/**
 * Runs actions. The Execution service holds one, assembled in `cmd/*` as a
 * chain of small wrappers (action-cache lookup, in-flight merging, the
 * priority queue) around the executor that really runs the action in a
 * sandbox (or, later, in a VM).
 *
 * Contract: `execute` always resolves to an ExecuteResponse. A failure to run
 * the action (bad platform property, a missing input discovered late, a
 * sandbox setup error, a timeout) is put in `ExecuteResponse.status` with a
 * message naming what failed; the promise rejects only on a programming error.
 * When several failures happen, the first one is kept. A result is cached by
 * the caching wrapper only when the action exited 0, `do_not_cache` is false
 * and `status` is OK.
 */
export interface ActionExecutor {
  execute(task: ExecuteTask): Promise<ExecuteResponse>;
}
