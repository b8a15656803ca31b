import type { ActionCgroup, CgroupManager, CgroupUsage } from './cgroup-manager.ts';
import type { ResourceLimits } from './platform-properties.ts';

/** One cgroup the fake made, and what was done to it. */
export interface FakeCgroup extends ActionCgroup {
  readonly name: string;
  readonly limits: ResourceLimits;
  killed: number;
  removed: boolean;
}

/**
 * A CgroupManager in memory, for testing the wrappers around the real ones:
 * it records every cgroup made and removed, and a test can make `create` or
 * `remove` fail, or hold removals until it releases them.
 */
export class FakeCgroupManager implements CgroupManager {
  readonly description = 'fake cgroups';
  readonly made: FakeCgroup[] = [];
  closed = false;
  staleRemoved = 0;
  /** When set, `create` rejects with it. */
  createError: Error | undefined;
  /** When set, `remove` rejects with it. */
  removeError: Error | undefined;
  /** When true, removals wait until {@link FakeCgroupManager.releaseRemovals}. */
  holdRemovals = false;
  readonly #held: (() => void)[] = [];

  /** The cgroups made and not removed. */
  get live(): FakeCgroup[] {
    return this.made.filter((cgroup) => !cgroup.removed);
  }

  async create(name: string, limits: ResourceLimits): Promise<ActionCgroup> {
    if (this.createError !== undefined) throw this.createError;
    const manager = this;
    const cgroup: FakeCgroup = {
      name,
      limits,
      killed: 0,
      removed: false,
      procsPaths: [`/fake/${name}/cgroup.procs`],
      async killAll() {
        cgroup.killed++;
      },
      async usage(): Promise<CgroupUsage> {
        return { memoryPeakBytes: 1, oomKills: 0, pidsLimitHits: 0 };
      },
      async remove() {
        if (manager.holdRemovals) await new Promise<void>((resolve) => manager.#held.push(resolve));
        if (manager.removeError !== undefined) throw manager.removeError;
        cgroup.removed = true;
      },
    };
    this.made.push(cgroup);
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
