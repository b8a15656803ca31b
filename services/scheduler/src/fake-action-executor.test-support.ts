// Test support, not exported: an ActionExecutor the test drives by hand, and
// a builder of ExecuteTasks that records the stages reported to them.
import { type Digest, SHA256 } from '@actiond/digest';
import { createExecutionTimings, type ActionExecutor, type ExecuteTask } from '@actiond/execution';
import { Action, Command, ExecuteResponse, type ExecutionStage_Value } from '@actiond/proto';

/** One call of FakeActionExecutor.execute, waiting for the test to settle it. */
export interface FakeExecution {
  readonly task: ExecuteTask;
  resolve(response: ExecuteResponse): void;
  reject(error: unknown): void;
}

/**
 * Records every execute call and leaves it pending until the test resolves
 * it, or, with `behaviour` set, answers through that function at once.
 */
export class FakeActionExecutor implements ActionExecutor {
  readonly calls: FakeExecution[] = [];
  behaviour: ((task: ExecuteTask) => Promise<ExecuteResponse>) | undefined;
  readonly #waiters: { readonly count: number; readonly resolve: () => void }[] = [];

  constructor(behaviour?: (task: ExecuteTask) => Promise<ExecuteResponse>) {
    this.behaviour = behaviour;
  }

  execute(task: ExecuteTask): Promise<ExecuteResponse> {
    const promise = new Promise<ExecuteResponse>((resolve, reject) => {
      this.calls.push({ task, resolve, reject });
    });
    for (const waiter of this.#waiters.filter((w) => this.calls.length >= w.count)) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    if (this.behaviour !== undefined) {
      const call = this.calls.at(-1)!;
      this.behaviour(task).then(call.resolve, call.reject);
    }
    return promise;
  }

  /** Resolves once at least `count` calls were made. */
  async waitForCalls(count: number): Promise<void> {
    if (this.calls.length >= count) return;
    await new Promise<void>((resolve) => this.#waiters.push({ count, resolve }));
  }
}

/** A response for a command that ran to completion with `exitCode`. */
export function ranResponse(exitCode = 0, message = ''): ExecuteResponse {
  return ExecuteResponse.fromPartial({
    result: { exitCode, stdoutDigest: SHA256.compute(Buffer.from(`stdout ${exitCode}`)) },
    status: { code: 0, message: '', details: [] },
    message,
  });
}

/** What {@link testTask} may be told; everything else gets a plain default. */
export interface TestTaskOptions extends Partial<Omit<ExecuteTask, 'action'>> {
  readonly doNotCache?: boolean;
  /** Distinguishes actions: tasks with the same name share an action digest. */
  readonly actionName?: string;
}

/** An ExecuteTask plus the stages reported to it. */
export type RecordingTask = ExecuteTask & { readonly stages: ExecutionStage_Value[] };

/** A task for an action named `actionName`, recording its stages. */
export function testTask(options: TestTaskOptions = {}): RecordingTask {
  const { doNotCache = false, actionName = 'action', ...fields } = options;
  const stages: ExecutionStage_Value[] = [];
  const action = Action.fromPartial({ doNotCache, salt: Buffer.from(actionName) });
  const actionDigest: Digest = fields.actionDigest ?? SHA256.compute(Action.encode(action).finish());
  return {
    instanceName: '',
    action,
    command: Command.fromPartial({ arguments: ['true'] }),
    skipCacheLookup: false,
    priority: 0,
    requestMetadata: undefined,
    signal: new AbortController().signal,
    timeoutMs: 60_000,
    timings: createExecutionTimings(),
    onStage: (stage) => stages.push(stage),
    ...fields,
    actionDigest,
    stages,
  };
}

/** Lets pending promise callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}
