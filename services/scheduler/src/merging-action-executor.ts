import type { ActionExecutor, ExecuteTask } from '@actiond/execution';
import type { ExecuteResponse, ExecutionStage_Value } from '@actiond/proto';

/** One execution in flight and everyone waiting for it. */
interface InFlight {
  readonly response: Promise<ExecuteResponse>;
  /** The last stage the execution reported, for late joiners. */
  readonly latest: { stage: ExecutionStage_Value | undefined };
  readonly listeners: Set<(stage: ExecutionStage_Value) => void>;
}

/**
 * Lets identical actions in flight share one execution: a task whose
 * instance name and action digest match one already running (or queued)
 * waits for that one's response instead of running again, and follows its
 * stages from the latest one on. The digest covers the whole Action (command,
 * inputs, timeout, platform, salt), so identical means interchangeable.
 *
 * Never for `do_not_cache` actions, whose every request must really run
 * (REAPI: they "may not be merged"), either as the first or as a joiner.
 * `skip_cache_lookup` does not prevent merging: it asks for a fresh run,
 * and a run started after the request arrived is one.
 *
 * The shared execution runs with the first task (its priority, signal and
 * timing record); the others get the same response object.
 */
export class MergingActionExecutor implements ActionExecutor {
  readonly #inner: ActionExecutor;
  readonly #inFlight = new Map<string, InFlight>();

  constructor(inner: ActionExecutor) {
    this.#inner = inner;
  }

  /** Executions in flight that others can join. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  execute(task: ExecuteTask): Promise<ExecuteResponse> {
    if (task.action.doNotCache) return this.#inner.execute(task);
    // NUL cannot occur in an instance name, so the key is unambiguous.
    const key = `${task.instanceName}\u0000${task.actionDigest.key}`;
    const existing = this.#inFlight.get(key);
    if (existing !== undefined) {
      existing.listeners.add(task.onStage);
      if (existing.latest.stage !== undefined) task.onStage(existing.latest.stage);
      return existing.response;
    }
    const listeners = new Set([task.onStage]);
    const latest: { stage: ExecutionStage_Value | undefined } = { stage: undefined };
    // Stages may be reported before execute() returns (the queue reports
    // QUEUED at once), so the latest one lives outside the entry.
    const onStage = (stage: ExecutionStage_Value): void => {
      latest.stage = stage;
      for (const listener of listeners) listener(stage);
    };
    const response = this.#inner.execute({ ...task, onStage });
    this.#inFlight.set(key, { response, latest, listeners });
    const forget = (): void => void this.#inFlight.delete(key);
    response.then(forget, forget);
    return response;
  }
}
