import { mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ActionCgroup, CgroupManager, CgroupUsage } from './cgroup-manager.ts';
import {
  childCgroups,
  fileExists as exists,
  killPids,
  ignoreGone,
  killUntilEmpty,
  listsNoProcess,
  makeCgroup,
  readKeyedCounter,
  readNumber,
  readPids,
  removeCgroup,
  removeParentCgroup,
  reusableMemoryCharge,
  writeControl,
} from './cgroup-files.ts';
import type { ResourceLimits } from './platform-properties.ts';

/** Where {@link CgroupV1Manager} works. */
export interface CgroupV1Options {
  /** Where the hierarchies are mounted, each in a directory named after its controller. Default `/sys/fs/cgroup`. */
  readonly mountRoot?: string;
  /**
   * The server's cgroup below each hierarchy (it may be nested, such as
   * `actiond/root-…`); per-action cgroups go inside. Default `actiond`.
   */
  readonly parent?: string;
}

/** The CFS period cpu limits are expressed in: 100 ms, the kernel's default. */
export const CPU_PERIOD_MICROS = 100_000;

/**
 * Per-action cgroups on a cgroup v1 host: one directory per controller
 * hierarchy (`memory`, `pids`, and `cpu` when mounted), plus one only to
 * kill reliably: in the controller-less cgroup2 (`unified`, as systemd
 * mounts it) when it has `cgroup.kill` (Linux 5.14), which kills every
 * member at once; else in `freezer`, where a frozen cgroup cannot fork while
 * its members are signalled one by one. Never both: each hierarchy is a
 * directory to make and remove and a cgroup to join per action.
 *
 * Limits: `memory.limit_in_bytes`, and `memory.memsw.limit_in_bytes` set to
 * the same value where swap accounting exists (no swapping past the limit);
 * `pids.max`; `cpu.cfs_quota_us` over a {@link CPU_PERIOD_MICROS} period.
 */
export class CgroupV1Manager implements CgroupManager {
  readonly description: string;
  readonly #hierarchies: ReadonlyMap<string, string>;

  private constructor(hierarchies: Map<string, string>) {
    this.#hierarchies = hierarchies;
    const controllers = ['memory', 'pids', 'cpu'].filter((name) => hierarchies.has(name));
    const kill = hierarchies.has('unified') ? 'cgroup2 cgroup.kill' : hierarchies.has('freezer') ? 'freezer' : 'signals';
    this.description = `cgroup v1 (${controllers.join(', ')}; kill via ${kill})`;
  }

  /**
   * Finds the hierarchies under `mountRoot` and creates the parent cgroup in
   * each. The memory and pids hierarchies are required (the limits the
   * server promises); cpu is used when present, and unified (with
   * cgroup.kill) or else freezer.
   */
  static async open(options: CgroupV1Options = {}): Promise<CgroupV1Manager> {
    const mountRoot = options.mountRoot ?? '/sys/fs/cgroup';
    const parent = options.parent ?? 'actiond';
    const hierarchies = new Map<string, string>();
    for (const name of ['memory', 'pids', 'cpu', 'unified', 'freezer']) {
      if (name === 'freezer' && hierarchies.has('unified')) continue;
      const root = join(mountRoot, name);
      if (!(await exists(join(root, 'cgroup.procs')))) {
        if (name === 'memory' || name === 'pids') throw new Error(`no cgroup v1 ${name} hierarchy at ${root}`);
        continue;
      }
      const dir = join(root, parent);
      await mkdir(dir, { recursive: true });
      // cgroup.kill exists in non-root cgroup2 groups from Linux 5.14 on; without it unified is of no use.
      if (name === 'unified' && !(await exists(join(dir, 'cgroup.kill')))) continue;
      hierarchies.set(name, dir);
    }
    return new CgroupV1Manager(hierarchies);
  }

  async create(name: string, limits: ResourceLimits): Promise<ActionCgroup> {
    if (name === '' || name.includes('/') || name === '.' || name === '..') throw new Error(`invalid cgroup name ${JSON.stringify(name)}`);
    const dirs = new Map<string, string>();
    try {
      for (const [controller, parent] of this.#hierarchies) {
        const dir = join(parent, name);
        await makeCgroup(dir);
        dirs.set(controller, dir);
      }
      const memory = dirs.get('memory')!;
      if (limits.memoryBytes !== undefined) {
        await writeControl(join(memory, 'memory.limit_in_bytes'), String(limits.memoryBytes));
        // memsw (memory + swap) must be >= the memory limit at all times, so it is written second.
        if (await exists(join(memory, 'memory.memsw.limit_in_bytes'))) {
          await writeControl(join(memory, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes));
        }
      }
      if (limits.pids !== undefined) await writeControl(join(dirs.get('pids')!, 'pids.max'), String(limits.pids));
      if (limits.cpus !== undefined) {
        const cpu = dirs.get('cpu');
        if (cpu === undefined) throw new Error(`a cpu limit was asked for but there is no cgroup v1 cpu hierarchy`);
        await writeControl(join(cpu, 'cpu.cfs_period_us'), String(CPU_PERIOD_MICROS));
        await writeControl(join(cpu, 'cpu.cfs_quota_us'), String(Math.max(1000, Math.round(limits.cpus * CPU_PERIOD_MICROS))));
      }
    } catch (err) {
      for (const dir of dirs.values()) await removeCgroup(dir).catch(() => {});
      throw err;
    }
    return new CgroupV1(dirs, limits.memoryBytes, NO_BASELINE);
  }

  async removeStale(): Promise<number> {
    const names = new Set<string>();
    for (const parent of this.#hierarchies.values()) {
      for (const dir of await childCgroups(parent)) names.add(basename(dir));
    }
    for (const name of names) {
      const dirs = new Map<string, string>();
      for (const [controller, parent] of this.#hierarchies) dirs.set(controller, join(parent, name));
      const stale = new CgroupV1(dirs, undefined, NO_BASELINE);
      await stale.killAll();
      await stale.remove();
    }
    return names.size;
  }

  async close(): Promise<void> {
    for (const parent of this.#hierarchies.values()) await removeParentCgroup(parent);
  }
}

/** The cumulative counters as they stood when a reused cgroup was handed out; its `usage` reports what came after. */
interface CounterBaseline {
  readonly oomKills: number;
  readonly pidsLimitHits: number;
}

const NO_BASELINE: CounterBaseline = { oomKills: 0, pidsLimitHits: 0 };

/**
 * One action's directories in each hierarchy. Reuse (`recycle`) resets
 * what v1 lets be reset, `memory.max_usage_in_bytes` (writing 0 sets it to
 * the current usage) and `memory.failcnt`, and takes a baseline of what it
 * does not, the `oom_kill` of memory.oom_control and the `max` of
 * pids.events, which `usage` then subtracts.
 */
class CgroupV1 implements ActionCgroup {
  readonly procsPaths: readonly string[];
  readonly #dirs: ReadonlyMap<string, string>;
  readonly #memoryLimit: number | undefined;
  readonly #baseline: CounterBaseline;
  /** Set once `recycle` gave the directories to a new handle. */
  #handedOn = false;
  /** Set by `retire`, or when `killAll` found processes to kill. */
  #retired = false;

  constructor(dirs: ReadonlyMap<string, string>, memoryLimit: number | undefined, baseline: CounterBaseline) {
    this.#dirs = dirs;
    this.#memoryLimit = memoryLimit;
    this.#baseline = baseline;
    this.procsPaths = [...dirs.values()].map((dir) => join(dir, 'cgroup.procs'));
  }

  retire(): void {
    this.#retired = true;
  }

  async killAll(): Promise<void> {
    const unified = this.#dirs.get('unified');
    const freezer = this.#dirs.get('freezer');
    const procs = join(this.#dirs.get('memory')!, 'cgroup.procs');
    if (unified !== undefined) {
      await killUntilEmpty(procs, () => {
        this.#retired = true;
        return writeControl(join(unified, 'cgroup.kill'), '1').catch(ignoreGone);
      });
    } else if (freezer !== undefined) {
      await killUntilEmpty(procs, async () => {
        this.#retired = true;
        // Frozen, nothing can fork between reading the list and the signals.
        const state = join(freezer, 'freezer.state');
        await writeControl(state, 'FROZEN').catch(ignoreGone);
        for (let i = 0; i < 100 && (await readState(state)) === 'FREEZING'; i++) await sleep(1);
        killPids(await readPids(join(freezer, 'cgroup.procs')));
        await writeControl(state, 'THAWED').catch(ignoreGone);
      });
    } else {
      await killUntilEmpty(procs, async () => {
        this.#retired = true;
        killPids(await readPids(procs));
      });
    }
  }

  async usage(): Promise<CgroupUsage> {
    const memory = this.#dirs.get('memory')!;
    const oomKills = await readKeyedCounter(join(memory, 'memory.oom_control'), 'oom_kill');
    const pidsLimitHits = await readKeyedCounter(join(this.#dirs.get('pids')!, 'pids.events'), 'max');
    return {
      memoryPeakBytes: await readNumber(join(memory, 'memory.max_usage_in_bytes')),
      oomKills: oomKills === undefined ? undefined : oomKills - this.#baseline.oomKills,
      pidsLimitHits: pidsLimitHits === undefined ? undefined : pidsLimitHits - this.#baseline.pidsLimitHits,
    };
  }

  async remove(): Promise<void> {
    if (this.#handedOn) throw new Error(`cannot remove ${this.procsPaths.join(', ')}: the cgroups were handed to another action`);
    for (const dir of this.#dirs.values()) await removeCgroup(dir);
  }

  async recycle(): Promise<ActionCgroup | undefined> {
    if (this.#handedOn || this.#retired) return undefined;
    // Every hierarchy: the action joined each, and only the memory one was watched by killAll.
    if (!this.procsPaths.every(listsNoProcess)) return undefined;
    const memory = this.#dirs.get('memory')!;
    const pids = this.#dirs.get('pids')!;
    // cgroup.procs leaves out zombies; pids.current counts every task until it is reaped.
    if ((await readNumber(join(pids, 'pids.current'))) !== 0) return undefined;
    const charged = await readNumber(join(memory, 'memory.usage_in_bytes'));
    if (charged === undefined || charged > reusableMemoryCharge(this.#memoryLimit)) return undefined;
    try {
      await writeControl(join(memory, 'memory.max_usage_in_bytes'), '0');
      await writeControl(join(memory, 'memory.failcnt'), '0');
    } catch {
      return undefined;
    }
    const oomKills = await readKeyedCounter(join(memory, 'memory.oom_control'), 'oom_kill');
    const pidsLimitHits = await readKeyedCounter(join(pids, 'pids.events'), 'max');
    if (oomKills === undefined || pidsLimitHits === undefined) return undefined;
    this.#handedOn = true;
    return new CgroupV1(this.#dirs, this.#memoryLimit, { oomKills, pidsLimitHits });
  }
}

async function readState(path: string): Promise<string> {
  return (await readFile(path, 'utf8').catch(() => '')).trim();
}

