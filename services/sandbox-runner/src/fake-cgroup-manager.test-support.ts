import type { ActionCgroup, CgroupManager, CgroupUsage } from './cgroup-manager.ts';
import type { ResourceLimits } from './platform-properties.ts';

/** One cgroup the fake made, and what was done to it. */
export interface FakeCgroup extends ActionCgroup {
  readonly name: string;
  readonly limits: ResourceLimits;
  killed: number;
  removed: boolean;
  /** Set when `recycle` gave its "directories" to a new handle. */
  handedOn: boolean;
  /** Set by `retire`. */
  retired: boolean;
  /** What `usage` returns. */
  usageReport: CgroupUsage;
}

/**
 * A CgroupManager in memory, for testing the wrappers around the real ones:
 * it records every cgroup made, reused and removed, and a test can make
 * `create`, `remove` or `recycle` fail, refuse reuse, or hold removals
 * until it releases them.
 */
export class FakeCgroupManager implements CgroupManager {
  readonly description = 'fake cgroups';
  readonly made: FakeCgroup[] = [];
  /** The handles `recycle` returned, in order. */
  readonly recycled: FakeCgroup[] = [];
  closed = false;
  staleRemoved = 0;
  /** When set, `create` rejects with it. */
  createError: Error | undefined;
  /** When set, `remove` rejects with it. */
  removeError: Error | undefined;
  /** When false, `recycle` resolves to undefined (a cgroup the real managers would not reuse). */
  reusable = true;
  /** When set, `recycle` rejects with it. */
  recycleError: Error | undefined;
  /** When true, removals wait until {@link FakeCgroupManager.releaseRemovals}. */
  holdRemovals = false;
  readonly #held: (() => void)[] = [];

  /** The handles made or reused whose cgroups are still there, each cgroup once (by its latest handle). */
  get live(): FakeCgroup[] {
    return [...this.made, ...this.recycled].filter((cgroup) => !cgroup.removed && !cgroup.handedOn);
  }

  async create(name: string, limits: ResourceLimits): Promise<ActionCgroup> {
    if (this.createError !== undefined) throw this.createError;
    const cgroup = this.#handle(name, limits);
    this.made.push(cgroup);
    return cgroup;
  }

  #handle(name: string, limits: ResourceLimits): FakeCgroup {
    const manager = this;
    const cgroup: FakeCgroup = {
      name,
      limits,
      killed: 0,
      removed: false,
      handedOn: false,
      retired: false,
      usageReport: { memoryPeakBytes: 1, oomKills: 0, pidsLimitHits: 0 },
      procsPaths: [`/fake/${name}/cgroup.procs`],
      async killAll() {
        cgroup.killed++;
      },
      async usage(): Promise<CgroupUsage> {
        return cgroup.usageReport;
      },
      async remove() {
        if (cgroup.handedOn) throw new Error(`the fake cgroup ${name} was handed on`);
        if (manager.holdRemovals) await new Promise<void>((resolve) => manager.#held.push(resolve));
        if (manager.removeError !== undefined) throw manager.removeError;
        cgroup.removed = true;
      },
      retire() {
        cgroup.retired = true;
      },
      async recycle() {
        if (manager.recycleError !== undefined) throw manager.recycleError;
        if (!manager.reusable || cgroup.retired || cgroup.handedOn || cgroup.removed) return undefined;
        cgroup.handedOn = true;
        const next = manager.#handle(name, limits);
        manager.recycled.push(next);
        return next;
      },
    };
    return cgroup;
  }

  /** Lets every held removal go on. */
  releaseRemovals(): void {
    this.holdRemovals = false;
    for (const release of this.#held.splice(0)) release();
  }

  async removeStale(): Promise<number> {
    const stale = this.live;
    for (const cgroup of stale) cgroup.removed = true;
    this.staleRemoved += stale.length;
    return stale.length;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Resolves after `turns` event-loop turns, so background work that waits for one can run. */
export async function turns(count = 5): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
