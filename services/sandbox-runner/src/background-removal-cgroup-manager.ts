import type { ActionCgroup, CgroupManager, CgroupUsage } from './cgroup-manager.ts';
import type { ResourceLimits } from './platform-properties.ts';

/** How many removals may wait before `remove` waits too; see {@link BackgroundRemovalCgroupManager}. */
export const DEFAULT_MAX_PENDING_REMOVALS = 64;

/** Options of {@link BackgroundRemovalCgroupManager}. */
export interface BackgroundRemovalCgroupManagerOptions {
  /** Removals queued at most before `remove` waits for its own; {@link DEFAULT_MAX_PENDING_REMOVALS} by default. */
  readonly maxPending?: number;
  /** Told about each cgroup that could not be removed (it is then left for the next server's `removeStale`). Ignored by default. */
  readonly onBackgroundError?: (error: unknown) => void;
}

/**
 * Removes action cgroups after the action was answered instead of before.
 * By the time `remove` is called the cgroups are empty (`killAll` came
 * first) and their counters were read, so nothing about the result depends
 * on the removal: it is four `rmdir`s on cgroup v1, which the kernel may
 * refuse for a while (EBUSY) as the last process finishes exiting.
 *
 * `remove` queues the cgroup and returns at once; the queue is worked off
 * one cgroup at a time, after an event-loop turn (the response goes out
 * first). The queue is bounded: with `maxPending` removals already waiting
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
  readonly #queue: { readonly cgroup: ActionCgroup; readonly done: () => void }[] = [];
  #working: Promise<void> | undefined;

  /** Throws a RangeError unless `maxPending` is a positive integer. */
  constructor(inner: CgroupManager, options: BackgroundRemovalCgroupManagerOptions = {}) {
    const maxPending = options.maxPending ?? DEFAULT_MAX_PENDING_REMOVALS;
    if (!Number.isSafeInteger(maxPending) || maxPending < 1) {
      throw new RangeError(`BackgroundRemovalCgroupManager needs maxPending >= 1, got ${maxPending}`);
    }
    this.#inner = inner;
    this.#maxPending = maxPending;
    this.#onError = options.onBackgroundError ?? (() => {});
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
      await new Promise<void>((resolve) => setImmediate(resolve));
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
