import { randomUUID } from 'node:crypto';
import type { Digest } from '@actiond/digest';
import type { DigestFunction_Value } from '@actiond/proto';
import { ExecutionOperation } from './execution-operation.ts';

/** Bounds of an {@link OperationRegistry}. */
export interface OperationRegistryOptions {
  /** How long a finished operation stays answerable by WaitExecution; 10 minutes by default. */
  readonly retentionMs?: number;
  /** Most finished operations kept; the oldest go first beyond it. 4096 by default. */
  readonly maxFinished?: number;
  /** The clock, in milliseconds; `Date.now` by default (tests pass their own). */
  readonly now?: () => number;
}

/** The prefix of every operation name; REAPI reserves `operations` as a resource segment. */
export const OPERATION_NAME_PREFIX = 'operations/';

/**
 * The operations WaitExecution can find, by name. Running operations are
 * kept until they finish (their number is bounded by the executions in
 * flight); finished ones for `retentionMs` and at most `maxFinished` of
 * them, so a client whose Execute stream broke just before the end can
 * still collect the result, while memory stays bounded. An expired or
 * unknown name reads as undefined, which WaitExecution answers NOT_FOUND
 * (the client then calls Execute again, which is served from the cache).
 */
export class OperationRegistry {
  static readonly DEFAULT_RETENTION_MS = 10 * 60_000;
  static readonly DEFAULT_MAX_FINISHED = 4096;

  readonly #retentionMs: number;
  readonly #maxFinished: number;
  readonly #now: () => number;
  readonly #operations = new Map<string, ExecutionOperation>();
  /** Finished operations by name with the time they finished, oldest first. */
  readonly #finished = new Map<string, number>();

  /** Throws a RangeError for a negative or non-integer bound. */
  constructor(options: OperationRegistryOptions = {}) {
    this.#retentionMs = options.retentionMs ?? OperationRegistry.DEFAULT_RETENTION_MS;
    this.#maxFinished = options.maxFinished ?? OperationRegistry.DEFAULT_MAX_FINISHED;
    this.#now = options.now ?? Date.now;
    if (!Number.isSafeInteger(this.#retentionMs) || this.#retentionMs < 0) {
      throw new RangeError(`OperationRegistry retentionMs must be a whole number >= 0, got ${this.#retentionMs}`);
    }
    if (!Number.isSafeInteger(this.#maxFinished) || this.#maxFinished < 0) {
      throw new RangeError(`OperationRegistry maxFinished must be a whole number >= 0, got ${this.#maxFinished}`);
    }
  }

  /** Operations held, running and finished. */
  get size(): number {
    return this.#operations.size;
  }

  /** A new operation in stage CACHE_CHECK, named `operations/<uuid>`. */
  create(actionDigest: Digest, digestFunction: DigestFunction_Value): ExecutionOperation {
    this.#expire();
    const operation = new ExecutionOperation({
      name: `${OPERATION_NAME_PREFIX}${randomUUID()}`,
      actionDigest,
      digestFunction,
      onDone: (done) => {
        this.#finished.set(done.name, this.#now());
        this.#expire();
      },
    });
    this.#operations.set(operation.name, operation);
    return operation;
  }

  /** The operation named `name`; undefined when unknown or expired. */
  get(name: string): ExecutionOperation | undefined {
    this.#expire();
    return this.#operations.get(name);
  }

  #expire(): void {
    const oldestKept = this.#now() - this.#retentionMs;
    for (const [name, finishedAt] of this.#finished) {
      if (finishedAt > oldestKept && this.#finished.size <= this.#maxFinished) break;
      this.#finished.delete(name);
      this.#operations.delete(name);
    }
  }
}
