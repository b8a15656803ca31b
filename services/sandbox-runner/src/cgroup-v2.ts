import { mkdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { ActionCgroup, CgroupManager, CgroupUsage } from './cgroup-manager.ts';
import {
  childCgroups,
  fileExists,
  ignoreGone,
  killPids,
  killUntilEmpty,
  makeCgroup,
  readKeyedCounter,
  readNumber,
  readPids,
  removeCgroup,
  removeParentCgroup,
  writeControl,
} from './cgroup-files.ts';
import { CPU_PERIOD_MICROS } from './cgroup-v1.ts';
import type { ResourceLimits } from './platform-properties.ts';

/** Where {@link CgroupV2Manager} works. */
export interface CgroupV2Options {
  /** The cgroup2 mount. Default `/sys/fs/cgroup`. */
  readonly mountRoot?: string;
  /**
   * The server's cgroup, relative to the mount; per-action cgroups go
   * inside. It must hold no process itself (cgroup2's "no internal
   * processes" rule), so under systemd use a delegated subtree
   * (`Delegate=yes`) and name a child of the service's cgroup. Default `actiond`.
   */
  readonly parent?: string;
}

/**
 * Per-action cgroups on a pure cgroup2 host: one directory with
 * `memory.max` (and `memory.swap.max` 0 where swap is accounted: no
 * swapping past the limit), `pids.max` and `cpu.max`; killed with
 * `cgroup.kill` (Linux 5.14), or by freezing (`cgroup.freeze`) and
 * signalling each member on older kernels.
 */
export class CgroupV2Manager implements CgroupManager {
  readonly description: string;
  readonly #parent: string;
  readonly #controllers: ReadonlySet<string>;

  private constructor(parent: string, controllers: Set<string>) {
    this.#parent = parent;
    this.#controllers = controllers;
    this.description = `cgroup v2 at ${parent} (${[...controllers].join(', ')})`;
  }

  /**
   * Creates the parent cgroup and enables the memory, pids and (when
   * available) cpu controllers from the mount root down to it, so that
   * per-action children have them. memory and pids are required.
   */
  static async open(options: CgroupV2Options = {}): Promise<CgroupV2Manager> {
    const mountRoot = options.mountRoot ?? '/sys/fs/cgroup';
    const parent = join(mountRoot, options.parent ?? 'actiond');
    const available = new Set((await readFile(join(mountRoot, 'cgroup.controllers'), 'utf8')).trim().split(/\s+/));
    for (const required of ['memory', 'pids']) {
      if (!available.has(required)) throw new Error(`the cgroup2 mount at ${mountRoot} has no ${required} controller`);
    }
    const controllers = new Set(['memory', 'pids', 'cpu'].filter((name) => available.has(name)));
    await mkdir(parent, { recursive: true });
    const enable = [...controllers].map((name) => `+${name}`).join(' ');
    let level = mountRoot;
    for (const segment of ['', ...relative(mountRoot, parent).split('/')]) {
      level = segment === '' ? level : join(level, segment);
      try {
        await writeControl(join(level, 'cgroup.subtree_control'), enable);
      } catch (err) {
        throw new Error(
          `cannot enable ${[...controllers].join(', ')} for the children of ${level}; a cgroup2 group that holds processes ` +
            'cannot give controllers to children (run the server in a delegated cgroup and choose an empty parent)',
          { cause: err },
        );
      }
    }
    return new CgroupV2Manager(parent, controllers);
  }

  async create(name: string, limits: ResourceLimits): Promise<ActionCgroup> {
    if (name === '' || name.includes('/') || name === '.' || name === '..') throw new Error(`invalid cgroup name ${JSON.stringify(name)}`);
    const dir = join(this.#parent, name);
    await makeCgroup(dir);
    try {
      if (limits.memoryBytes !== undefined) {
        await writeControl(join(dir, 'memory.max'), String(limits.memoryBytes));
        if (await fileExists(join(dir, 'memory.swap.max'))) await writeControl(join(dir, 'memory.swap.max'), '0');
      }
      if (limits.pids !== undefined) await writeControl(join(dir, 'pids.max'), String(limits.pids));
      if (limits.cpus !== undefined) {
        if (!this.#controllers.has('cpu')) throw new Error(`a cpu limit was asked for but ${this.#parent} has no cpu controller`);
        const quota = Math.max(1000, Math.round(limits.cpus * CPU_PERIOD_MICROS));
        await writeControl(join(dir, 'cpu.max'), `${quota} ${CPU_PERIOD_MICROS}`);
      }
    } catch (err) {
      await removeCgroup(dir).catch(() => {});
      throw err;
    }
    return new CgroupV2(dir);
  }

  async removeStale(): Promise<number> {
    const stale = await childCgroups(this.#parent);
    for (const dir of stale) {
      const cgroup = new CgroupV2(dir);
      await cgroup.killAll();
      await cgroup.remove();
    }
    return stale.length;
  }

  async close(): Promise<void> {
    await removeParentCgroup(this.#parent);
  }
}

class CgroupV2 implements ActionCgroup {
  readonly procsPaths: readonly string[];
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
    this.procsPaths = [join(dir, 'cgroup.procs')];
  }

  async killAll(): Promise<void> {
    const procs = join(this.#dir, 'cgroup.procs');
    if (await fileExists(join(this.#dir, 'cgroup.kill'))) {
      await killUntilEmpty(procs, () => writeControl(join(this.#dir, 'cgroup.kill'), '1').catch(ignoreGone));
      return;
    }
    await killUntilEmpty(procs, async () => {
      await writeControl(join(this.#dir, 'cgroup.freeze'), '1').catch(ignoreGone);
      killPids(await readPids(procs));
      await writeControl(join(this.#dir, 'cgroup.freeze'), '0').catch(ignoreGone);
    });
  }

  async usage(): Promise<CgroupUsage> {
    return {
      memoryPeakBytes: await readNumber(join(this.#dir, 'memory.peak')),
      oomKills: await readKeyedCounter(join(this.#dir, 'memory.events'), 'oom_kill'),
      pidsLimitHits: await readKeyedCounter(join(this.#dir, 'pids.events'), 'max'),
    };
  }

  async remove(): Promise<void> {
    await removeCgroup(this.#dir);
  }
}
