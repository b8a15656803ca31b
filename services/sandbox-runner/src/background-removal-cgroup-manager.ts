import { DeferredWorkQueue } from '@actiond/execution';
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
  readonly #removals: DeferredWorkQueue<ActionCgroup>;

  /** Throws a RangeError unless `maxPending` is a positive integer and `delayMs` a non-negative one. */
  constructor(inner: CgroupManager, options: BackgroundRemovalCgroupManagerOptions = {}) {
    const onError = options.onBackgroundError ?? (() => {});
    this.#removals = new DeferredWorkQueue(
      'BackgroundRemovalCgroupManager',
      (cgroup) => cgroup.remove().catch(onError),
      { maxPending: options.maxPending ?? DEFAULT_MAX_PENDING_REMOVALS, delayMs: options.delayMs ?? DEFAULT_REMOVAL_DELAY_MS },
    );
    this.#inner = inner;
    this.description = `${inner.description}; removed in the background`;
  }

  /** Removals queued and not yet done (for tests and logs). */
  get pending(): number {
    return this.#removals.pending;
  }

  async create(name: string, limits: ResourceLimits): Promise<ActionCgroup> {
    const cgroup = await this.#inner.create(name, limits);
    return new BackgroundRemovedCgroup(cgroup, (c) => this.#removals.add(c));
  }

  removeStale(): Promise<number> {
    return this.#inner.removeStale();
  }

  /** Waits until every queued removal was made (or failed), then closes the inner manager. */
  async close(): Promise<void> {
    await this.#removals.drain();
    await this.#inner.close();
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

  retire(): void {
    this.#inner.retire();
  }

  /** Reuse is not a removal: it goes straight to the inner cgroup, and the new handle is removed through the queue too. */
  async recycle(): Promise<ActionCgroup | undefined> {
    const next = await this.#inner.recycle();
    return next === undefined ? undefined : new BackgroundRemovedCgroup(next, this.#remove);
  }
}
