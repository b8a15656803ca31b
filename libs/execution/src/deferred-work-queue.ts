/** Options of {@link DeferredWorkQueue}. */
export interface DeferredWorkQueueOptions {
  /** Items queued at most before `add` waits for its own item's work. */
  readonly maxPending: number;
  /** Milliseconds between an `add` and the work it starts; 0 for the next event-loop turn. */
  readonly delayMs: number;
}

/**
 * Work that happens after the caller moved on: the executor's
 * after-the-answer chores (the action-cache write, removing cgroups).
 *
 * `add` queues an item and returns at once; the items are worked off one at
 * a time, `delayMs` after the first of a burst, so the response goes out and
 * a client's next Execute, sent at once, is handled first. The queue is
 * bounded: with `maxPending` items waiting (a flood of actions, a stalled
 * disk, a kernel that keeps refusing), `add` resolves only once its own item
 * was worked, so work cannot pile up without bound. `work` handles its own
 * failures; the queue goes on whatever it throws. `drain` waits until the
 * queue is empty.
 */
export class DeferredWorkQueue<T> {
  readonly #work: (item: T) => Promise<void>;
  readonly #maxPending: number;
  readonly #delayMs: number;
  readonly #queue: { readonly item: T; readonly done: () => void }[] = [];
  #working: Promise<void> | undefined;

  /** Throws a RangeError naming `owner` unless `maxPending` is a positive integer and `delayMs` a non-negative one. */
  constructor(owner: string, work: (item: T) => Promise<void>, options: DeferredWorkQueueOptions) {
    if (!Number.isSafeInteger(options.maxPending) || options.maxPending < 1) {
      throw new RangeError(`${owner} needs maxPending >= 1, got ${options.maxPending}`);
    }
    if (!Number.isSafeInteger(options.delayMs) || options.delayMs < 0) {
      throw new RangeError(`${owner} needs delayMs >= 0, got ${options.delayMs}`);
    }
    this.#work = work;
    this.#maxPending = options.maxPending;
    this.#delayMs = options.delayMs;
  }

  /** Items queued and not yet worked, the one under way included. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Queues `item`; resolves at once, or once it was worked if the queue was full. */
  add(item: T): Promise<void> {
    const full = this.#queue.length >= this.#maxPending;
    const done = new Promise<void>((resolve) => this.#queue.push({ item, done: resolve }));
    this.#working ??= this.#run();
    return full ? done : Promise.resolve();
  }

  /** Resolves once every item queued so far (and any queued meanwhile) was worked. */
  async drain(): Promise<void> {
    while (this.#working !== undefined) await this.#working;
  }

  async #run(): Promise<void> {
    try {
      await new Promise<void>((resolve) => (this.#delayMs === 0 ? setImmediate(resolve) : setTimeout(resolve, this.#delayMs)));
      // Shifted only once worked, so `pending` and the bound count the one under way.
      for (let next = this.#queue[0]; next !== undefined; next = this.#queue[0]) {
        try {
          await this.#work(next.item);
        } catch {
          // `work` reports its own failures; one failed item never stops the rest.
        }
        this.#queue.shift();
        next.done();
      }
    } finally {
      // In the same turn as the empty-queue check: a later `add` starts a new worker.
      this.#working = undefined;
    }
  }
}
