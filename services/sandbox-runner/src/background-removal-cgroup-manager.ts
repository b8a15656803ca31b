import type { ActionCgroup, CgroupManager, CgroupUsage } from './cgroup-manager.ts';
import type { ResourceLimits } from './platform-properties.ts';

/** How many removals may wait before `remove` waits too; see {@link BackgroundRemovalCgroupManager}. */
export const DEFAULT_MAX_PENDING_REMOVALS = 64;

/**
 * How long removals wait after a `remove`, by default: a client's next
 * Execute, sent at once, is handled and its sandbox started first, and the
 * removal runs while the event loop waits for that sandbox (as the
 * scheduler's action-cache writes do; bench/src/execute-ab.ts).
 */
export const DEFAULT_REMOVAL_DELAY_MS = 3;

/** Options of {@link BackgroundRemovalCgroupManager}. */
export interface BackgroundRemovalCgroupManagerOptions {
  /** Removals queued at most before `remove` waits for its own; {@link DEFAULT_MAX_PENDING_REMOVALS} by default. */
  readonly maxPending?: number;
  /** Told about each cgroup that could not be removed (it is then left for the next server's `removeStale`). Ignored by default. */
  readonly onBackgroundError?: (error: unknown) => void;
  /** Milliseconds between a `remove` and the removals it starts; {@link DEFAULT_REMOVAL_DELAY_MS} by default, 0 for the next event-loop turn. */
  readonly delayMs?: number;
}

/**
 * Removes action cgroups after the action was answered instead of before.
 * By the time `remove` is called the cgroups are empty (`killAll` came
 * first) and their counters were read, so nothing about the result depends
 * on the removal: it is four `rmdir`s on cgroup v1, which the kernel may
 * refuse for a while (EBUSY) as the last process finishes exiting.
 *
 * `remove` queues the cgroup and returns at once; the queue is worked off
 * one cgroup at a time, a few milliseconds later (`delayMs`: the response
 * goes out first, and the next action is on its way). The queue is bounded: with `maxPending` removals already waiting
 * (a flood of actions, or a kernel that keeps refusing), `remove` waits for
 * its own removal, so garbage cannot pile up without bound. A failed
 * removal goes to `onBackgroundError`; the cgroup stays under the server's
 * parent, where the next start's `removeStale` removes it. `close` waits
 * for the queue before closing the inner manager.
 */
export class BackgroundRemovalCgroupManager implements CgroupManager {
  readonly description: string;
  readonly #inner: CgroupManager;
  readonly #maxPending: number;
  readonly #onError: (error: unknown) => void;
  readonly #delayMs: number;
  readonly #queue: { readonly cgroup: ActionCgroup; readonly done: () => void }[] = [];
  #working: Promise<void> | undefined;

  /** Throws a RangeError unless `maxPending` is a positive integer and `delayMs` a non-negative one. */
  constructor(inner: CgroupManager, options: BackgroundRemovalCgroupManagerOptions = {}) {
    const maxPending = options.maxPending ?? DEFAULT_MAX_PENDING_REMOVALS;
    if (!Number.isSafeInteger(maxPending) || maxPending < 1) {
      throw new RangeError(`BackgroundRemovalCgroupManager needs maxPending >= 1, got ${maxPending}`);
    }
    const delayMs = options.delayMs ?? DEFAULT_REMOVAL_DELAY_MS;
    if (!Number.isSafeInteger(delayMs) || delayMs < 0) throw new RangeError(`BackgroundRemovalCgroupManager needs delayMs >= 0, got ${delayMs}`);
    this.#inner = inner;
    this.#maxPending = maxPending;
    this.#onError = options.onBackgroundError ?? (() => {});
    this.#delayMs = delayMs;
    this.description = `${inner.description}; removed in the background`;
  }

  /** Removals queued and not yet done (for tests and logs). */
  get pending(): number {
    return this.#queue.length;
  }

  async create(name: string, limits: ResourceLimits): Promise<ActionCgroup> {
    const cgroup = await this.#inner.create(name, limits);
    return new BackgroundRemovedCgroup(cgroup, (c) => this.#remove(c));
  }

  removeStale(): Promise<number> {
    return this.#inner.removeStale();
  }

  /** Waits until every queued removal was made (or failed), then closes the inner manager. */
  async close(): Promise<void> {
    while (this.#working !== undefined) await this.#working;
    await this.#inner.close();
  }

  /** Queues the removal; resolves at once, or when it is done if the queue is full. */
  #remove(cgroup: ActionCgroup): Promise<void> {
    const full = this.#queue.length >= this.#maxPending;
    const done = new Promise<void>((resolve) => this.#queue.push({ cgroup, done: resolve }));
    this.#working ??= this.#work();
    return full ? done : Promise.resolve();
  }

  async #work(): Promise<void> {
    try {
      await new Promise<void>((resolve) => (this.#delayMs === 0 ? setImmediate(resolve) : setTimeout(resolve, this.#delayMs)));
      // Shifted only once removed, so `pending` and the bound count the one under way.
      for (let next = this.#queue[0]; next !== undefined; next = this.#queue[0]) {
        try {
          await next.cgroup.remove();
        } catch (err) {
          this.#onError(err);
        }
        this.#queue.shift();
        next.done();
      }
    } finally {
      // In the same turn as the empty-queue check: a later `remove` starts a new worker.
      this.#working = undefined;
    }
  }
}

/** An action's cgroups whose `remove` goes through the manager's queue. */
class BackgroundRemovedCgroup implements ActionCgroup {
  readonly procsPaths: readonly string[];
  readonly #inner: ActionCgroup;
  readonly #remove: (cgroup: ActionCgroup) => Promise<void>;

  constructor(inner: ActionCgroup, remove: (cgroup: ActionCgroup) => Promise<void>) {
    this.#inner = inner;
    this.procsPaths = inner.procsPaths;
    this.#remove = remove;
  }

  killAll(): Promise<void> {
    return this.#inner.killAll();
  }

  usage(): Promise<CgroupUsage> {
    return this.#inner.usage();
  }

  remove(): Promise<void> {
    return this.#remove(this.#inner);
  }
}
