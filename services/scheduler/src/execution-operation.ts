import type { Digest } from '@actiond/digest';
import {
  Any,
  ExecuteOperationMetadata,
  ExecuteResponse,
  ExecutionStage_Value,
  type DigestFunction_Value,
  type longrunning,
} from '@actiond/proto';

const TYPE_URL_PREFIX = 'type.googleapis.com/';
const METADATA_TYPE_URL = `${TYPE_URL_PREFIX}build.bazel.remote.execution.v2.ExecuteOperationMetadata`;
const RESPONSE_TYPE_URL = `${TYPE_URL_PREFIX}build.bazel.remote.execution.v2.ExecuteResponse`;

/** What an {@link ExecutionOperation} is created with. */
export interface ExecutionOperationInit {
  /** The server-chosen name clients pass to WaitExecution. */
  readonly name: string;
  readonly actionDigest: Digest;
  /** The request's digest function, echoed in the metadata. */
  readonly digestFunction: DigestFunction_Value;
  /** Called once, when the operation completes. */
  readonly onDone?: (operation: ExecutionOperation) => void;
}

/**
 * One Execute request's progress, as clients see it: the current stage and,
 * once done, the ExecuteResponse. Watchers (the Execute stream, any number
 * of WaitExecution streams) get the current state first, then every change.
 *
 * The Operation messages follow REAPI: `metadata` is always an
 * ExecuteOperationMetadata (stage, action digest, no live stdout/stderr
 * streams); `done` is true exactly when the stage is COMPLETED, and then
 * `response` holds the ExecuteResponse. `error` is never set: failures
 * while running are in ExecuteResponse.status.
 */
export class ExecutionOperation {
  readonly name: string;
  readonly actionDigest: Digest;
  readonly digestFunction: DigestFunction_Value;
  readonly #onDone: ((operation: ExecutionOperation) => void) | undefined;
  readonly #watchers = new Set<(message: longrunning.Operation) => void>();
  #stage: ExecutionStage_Value = ExecutionStage_Value.CACHE_CHECK;
  #response: ExecuteResponse | undefined;
  #message: longrunning.Operation;

  /** Starts in CACHE_CHECK, the first thing every Execute does. */
  constructor(init: ExecutionOperationInit) {
    this.name = init.name;
    this.actionDigest = init.actionDigest;
    this.digestFunction = init.digestFunction;
    this.#onDone = init.onDone;
    this.#message = this.#build();
  }

  /** The current stage; COMPLETED once done. */
  get stage(): ExecutionStage_Value {
    return this.#stage;
  }

  /** True once {@link ExecutionOperation.complete} was called. */
  get done(): boolean {
    return this.#stage === ExecutionStage_Value.COMPLETED;
  }

  /** The final response; undefined until done. */
  get response(): ExecuteResponse | undefined {
    return this.#response;
  }

  /**
   * Moves to `stage` (CACHE_CHECK, QUEUED or EXECUTING) and tells the
   * watchers. Ignored once done, and when the stage does not change, so
   * late or repeated reports from executors cannot reopen an operation or
   * spam clients. COMPLETED is reached only through complete().
   */
  setStage(stage: ExecutionStage_Value): void {
    if (this.done || stage === this.#stage || stage === ExecutionStage_Value.COMPLETED) return;
    this.#stage = stage;
    this.#publish();
  }

  /** Finishes with `response`: stage COMPLETED, done. Later calls are ignored (the first result stands). */
  complete(response: ExecuteResponse): void {
    if (this.done) return;
    this.#stage = ExecutionStage_Value.COMPLETED;
    this.#response = response;
    this.#publish();
    this.#watchers.clear();
    this.#onDone?.(this);
  }

  /** The current state as a google.longrunning.Operation. Do not modify it. */
  snapshot(): longrunning.Operation {
    return this.#message;
  }

  /**
   * The current state now, then every change until done (the done message
   * included). Subscribes at once, before the first iteration, so a change
   * made right after this call is not lost. Ends early, without error, when
   * `signal` aborts (the client went away) or the consumer stops iterating.
   */
  watch(signal?: AbortSignal): AsyncIterable<longrunning.Operation> {
    const pending: longrunning.Operation[] = [this.#message];
    let wake: (() => void) | undefined;
    const listener = (message: longrunning.Operation): void => {
      pending.push(message);
      wake?.();
    };
    if (!this.done) this.#watchers.add(listener);
    const onAbort = (): void => wake?.();
    signal?.addEventListener('abort', onAbort);
    const watchers = this.#watchers;
    async function* iterate(): AsyncGenerator<longrunning.Operation> {
      try {
        for (;;) {
          while (pending.length > 0) {
            const message = pending.shift()!;
            yield message;
            if (message.done) return;
          }
          if (signal?.aborted) return;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      } finally {
        watchers.delete(listener);
        signal?.removeEventListener('abort', onAbort);
      }
    }
    return iterate();
  }

  #publish(): void {
    this.#message = this.#build();
    for (const watcher of this.#watchers) watcher(this.#message);
  }

  #build(): longrunning.Operation {
    const metadata = ExecuteOperationMetadata.create({
      stage: this.#stage,
      actionDigest: { hash: this.actionDigest.hash, sizeBytes: this.actionDigest.sizeBytes },
      stdoutStreamName: '',
      stderrStreamName: '',
      digestFunction: this.digestFunction,
    });
    return {
      name: this.name,
      metadata: Any.create({ typeUrl: METADATA_TYPE_URL, value: Buffer.from(ExecuteOperationMetadata.encode(metadata).finish()) }),
      done: this.done,
      error: undefined,
      response:
        this.#response === undefined
          ? undefined
          : Any.create({ typeUrl: RESPONSE_TYPE_URL, value: Buffer.from(ExecuteResponse.encode(this.#response).finish()) }),
    };
  }
}
