import { availableParallelism } from 'node:os';
import type { ActionExecutor, ExecuteTask } from '@actiond/execution';
import { ExecutedActionMetadata, ExecutionStage_Value, type ExecuteResponse, type Timestamp } from '@actiond/proto';
import { unavailable } from '@actiond/status';
import { errorResponse } from './execute-responses.ts';
import { PriorityQueue } from './priority-queue.ts';

/** Options of {@link QueuedActionExecutor}. */
export interface QueuedActionExecutorOptions {
  /** Most actions running at once; the number of cores by default. */
  readonly jobs?: number;
  /** The wall clock for the ExecutedActionMetadata timestamps; `Date.now` by default. */
  readonly now?: () => number;
}

/**
 * The `ExecutionPolicy.priority` range the queue orders by: all of int32, the
 * field's type. For the Capabilities service's `execution_priority_capabilities`.
 */
export const EXECUTION_PRIORITY_RANGE = Object.freeze({ min: -(2 ** 31), max: 2 ** 31 - 1 });

const SHUTTING_DOWN = 'the server is shutting down; the action was not run';

/** One action waiting for a slot; `start` hands it the slot, `cancel` turns it away. */
interface Waiter {
  readonly task: ExecuteTask;
  start(): void;
  cancel(reason: string): void;
}

/**
 * Runs at most `jobs` actions of the inner executor at once. The others
 * wait, lowest `ExecutionPolicy.priority` first and first come first served
 * within a priority. Reports QUEUED when an action arrives and EXECUTING
 * when it gets a slot (through `task.onStage`), records the wait in
 * `task.timings.queuedMs`, and fills `queued_timestamp` and
 * `worker_start_timestamp` of the result's ExecutedActionMetadata, the two
 * moments it owns; the runner fills the rest.
 *
 * An action whose `task.signal` aborts (server shutdown) while waiting, and
 * every waiting action at {@link QueuedActionExecutor.shutdown}, resolves
 * with UNAVAILABLE in ExecuteResponse.status without running: the client
 * retries it elsewhere or later. Running actions are left to their signal.
 */
export class QueuedActionExecutor implements ActionExecutor {
  readonly #inner: ActionExecutor;
  readonly #jobs: number;
  readonly #now: () => number;
  readonly #waiting = new PriorityQueue<Waiter>();
  /** The waiters of each task signal, so one listener per signal can turn them away. */
  readonly #bySignal = new WeakMap<AbortSignal, Set<Waiter>>();
  #running = 0;
  #closed = false;

  /** Throws a RangeError unless `jobs` is a positive integer. */
  constructor(inner: ActionExecutor, options: QueuedActionExecutorOptions = {}) {
    const jobs = options.jobs ?? availableParallelism();
    if (!Number.isSafeInteger(jobs) || jobs < 1) throw new RangeError(`QueuedActionExecutor needs jobs >= 1, got ${jobs}`);
    this.#inner = inner;
    this.#jobs = jobs;
    this.#now = options.now ?? Date.now;
  }

  /** Actions running now. */
  get running(): number {
    return this.#running;
  }

  /** Actions waiting for a slot. */
  get waiting(): number {
    return this.#waiting.size;
  }

  async execute(task: ExecuteTask): Promise<ExecuteResponse> {
    if (this.#closed || task.signal.aborted) return errorResponse(unavailable(SHUTTING_DOWN));
    const queuedAt = this.#now();
    task.onStage(ExecutionStage_Value.QUEUED);
    const refusal = await this.#acquire(task);
    if (refusal !== undefined) return errorResponse(unavailable(refusal));
    const startedAt = this.#now();
    task.timings.queuedMs = startedAt - queuedAt;
    let response: ExecuteResponse;
    try {
      task.onStage(ExecutionStage_Value.EXECUTING);
      response = await this.#inner.execute(task);
    } finally {
      this.#running--;
      this.#pump();
    }
    return stampQueueTimes(response, queuedAt, startedAt);
  }

  /**
   * Turns away every waiting action (UNAVAILABLE) and any later one. Running
   * actions go on; abort their tasks' signal to stop them.
   */
  shutdown(): void {
    this.#closed = true;
    for (const waiter of this.#waiting.drain()) waiter.cancel(SHUTTING_DOWN);
  }

  /** Resolves once the task holds a slot (undefined), or with why it never will. */
  #acquire(task: ExecuteTask): Promise<string | undefined> {
    if (this.#running < this.#jobs && this.#waiting.size === 0) {
      this.#running++;
      return Promise.resolve(undefined);
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        task,
        start: () => {
          this.#unwatch(waiter);
          resolve(undefined);
        },
        cancel: (reason) => {
          this.#unwatch(waiter);
          resolve(reason);
        },
      };
      this.#watch(waiter);
      this.#waiting.push(waiter, task.priority);
    });
  }

  // Tasks usually share one shutdown signal. One abort listener per signal,
  // not per waiter: hundreds of listeners on one AbortSignal would make Node
  // warn about a leak.
  #watch(waiter: Waiter): void {
    const signal = waiter.task.signal;
    let waiters = this.#bySignal.get(signal);
    if (waiters === undefined) {
      const group = new Set<Waiter>();
      waiters = group;
      this.#bySignal.set(signal, group);
      signal.addEventListener(
        'abort',
        () => {
          for (const w of [...group]) if (this.#waiting.remove(w)) w.cancel(SHUTTING_DOWN);
        },
        { once: true },
      );
    }
    waiters.add(waiter);
  }

  #unwatch(waiter: Waiter): void {
    this.#bySignal.get(waiter.task.signal)?.delete(waiter);
  }

  #pump(): void {
    while (this.#running < this.#jobs) {
      const next = this.#waiting.shift();
      if (next === undefined) return;
      this.#running++;
      next.start();
    }
  }
}

function timestamp(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1_000_000) };
}

/** The response with the queue's two timestamps in its result's metadata (the runner's own, if set, win). */
function stampQueueTimes(response: ExecuteResponse, queuedAt: number, startedAt: number): ExecuteResponse {
  const result = response.result;
  if (result === undefined) return response;
  const metadata = result.executionMetadata;
  return {
    ...response,
    result: {
      ...result,
      executionMetadata: ExecutedActionMetadata.fromPartial({
        ...metadata,
        queuedTimestamp: metadata?.queuedTimestamp ?? timestamp(queuedAt),
        workerStartTimestamp: metadata?.workerStartTimestamp ?? timestamp(startedAt),
      }),
    },
  };
}
