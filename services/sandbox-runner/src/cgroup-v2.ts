import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { ActionCgroup, CgroupManager, CgroupUsage } from './cgroup-manager.ts';
import {
  childCgroups,
  fileExists,
  ignoreGone,
  killPids,
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
    return new CgroupV2(dir, limits.memoryBytes, NO_BASELINE, undefined);
  }

  async removeStale(): Promise<number> {
    const stale = await childCgroups(this.#parent);
    for (const dir of stale) {
      const cgroup = new CgroupV2(dir, undefined, NO_BASELINE, undefined);
      await cgroup.killAll();
      await cgroup.remove();
    }
    return stale.length;
  }

  async close(): Promise<void> {
    await removeParentCgroup(this.#parent);
  }
}

/** The cumulative counters as they stood when a reused cgroup was handed out; its `usage` reports what came after. */
interface CounterBaseline {
  readonly oomKills: number;
  readonly pidsLimitHits: number;
}

const NO_BASELINE: CounterBaseline = { oomKills: 0, pidsLimitHits: 0 };

/**
 * One action's cgroup2 group. None of v2's counters can be reset for
 * everyone: `oom_kill` of memory.events and `max` of pids.events are
 * reported as the difference from a baseline read when the group is
 * reused, and the peak through memory.peak's per-file reset (Linux 6.12:
 * "a write of any non-empty string to this file resets it to the current
 * memory usage for subsequent reads through the same file descriptor"):
 * `recycle` opens memory.peak, writes to it, and the new handle keeps that
 * descriptor to read the peak of its own action. A kernel whose
 * memory.peak cannot be written (5.19-6.11: kernfs refuses to open a file
 * without a write handler for writing) or that has none makes `recycle`
 * resolve to undefined: there a reused group's peak could only be the
 * lifetime's, so groups are not reused at all. That includes the VM
 * guest's Debian 6.1 kernel (vm/), where every action still gets a new
 * group. Only the fake-mount tests (cgroup-v2.test.ts) cover this class's
 * reuse: the build machine is cgroup v1.
 */
class CgroupV2 implements ActionCgroup {
  readonly procsPaths: readonly string[];
  readonly #dir: string;
  readonly #memoryLimit: number | undefined;
  readonly #baseline: CounterBaseline;
  /** memory.peak, opened and reset when the group was reused; closed by `remove` or when handed on again. */
  #peakFd: number | undefined;
  #handedOn = false;
  /** Set by `retire`, or when `killAll` found processes to kill. */
  #retired = false;

  constructor(dir: string, memoryLimit: number | undefined, baseline: CounterBaseline, peakFd: number | undefined) {
    this.#dir = dir;
    this.#memoryLimit = memoryLimit;
    this.#baseline = baseline;
    this.#peakFd = peakFd;
    this.procsPaths = [join(dir, 'cgroup.procs')];
  }

  retire(): void {
    this.#retired = true;
  }

  async killAll(): Promise<void> {
    const procs = join(this.#dir, 'cgroup.procs');
    if (await fileExists(join(this.#dir, 'cgroup.kill'))) {
      await killUntilEmpty(procs, () => {
        this.#retired = true;
        return writeControl(join(this.#dir, 'cgroup.kill'), '1').catch(ignoreGone);
      });
      return;
    }
    await killUntilEmpty(procs, async () => {
      this.#retired = true;
      await writeControl(join(this.#dir, 'cgroup.freeze'), '1').catch(ignoreGone);
      killPids(await readPids(procs));
      await writeControl(join(this.#dir, 'cgroup.freeze'), '0').catch(ignoreGone);
    });
  }

  async usage(): Promise<CgroupUsage> {
    const oomKills = await readKeyedCounter(join(this.#dir, 'memory.events'), 'oom_kill');
    const pidsLimitHits = await readKeyedCounter(join(this.#dir, 'pids.events'), 'max');
    return {
      memoryPeakBytes: this.#peakFd === undefined ? await readNumber(join(this.#dir, 'memory.peak')) : readNumberAt(this.#peakFd),
      oomKills: oomKills === undefined ? undefined : oomKills - this.#baseline.oomKills,
      pidsLimitHits: pidsLimitHits === undefined ? undefined : pidsLimitHits - this.#baseline.pidsLimitHits,
    };
  }

  async remove(): Promise<void> {
    if (this.#handedOn) throw new Error(`cannot remove ${this.#dir}: the cgroup was handed to another action`);
    this.#closePeak();
    await removeCgroup(this.#dir);
  }

  async recycle(): Promise<ActionCgroup | undefined> {
    if (this.#handedOn || this.#retired || !listsNoProcess(join(this.#dir, 'cgroup.procs'))) return undefined;
    // cgroup.procs leaves out zombies and the processes of child groups; pids.current counts both.
    if ((await readNumber(join(this.#dir, 'pids.current'))) !== 0) return undefined;
    const charged = await readNumber(join(this.#dir, 'memory.current'));
    if (charged === undefined || charged > reusableMemoryCharge(this.#memoryLimit)) return undefined;
    let peakFd: number | undefined;
    try {
      peakFd = openSync(join(this.#dir, 'memory.peak'), 'r+');
      writeSync(peakFd, 'reset');
    } catch {
      if (peakFd !== undefined) closeSync(peakFd);
      return undefined;
    }
    const oomKills = await readKeyedCounter(join(this.#dir, 'memory.events'), 'oom_kill');
    const pidsLimitHits = await readKeyedCounter(join(this.#dir, 'pids.events'), 'max');
    if (oomKills === undefined || pidsLimitHits === undefined) {
      closeSync(peakFd);
      return undefined;
    }
    this.#handedOn = true;
    this.#closePeak();
    return new CgroupV2(this.#dir, this.#memoryLimit, { oomKills, pidsLimitHits }, peakFd);
  }

  #closePeak(): void {
    if (this.#peakFd !== undefined) closeSync(this.#peakFd);
    this.#peakFd = undefined;
  }
}

/** A number read from the start of an open cgroup file (a positioned read makes the kernel generate it afresh); undefined if unreadable. */
function readNumberAt(fd: number): number | undefined {
  const buffer = Buffer.alloc(32);
  try {
    const text = buffer.toString('latin1', 0, readSync(fd, buffer, 0, buffer.length, 0));
    return /^\d+\n?$/.test(text) ? Number(text.trim()) : undefined;
  } catch {
    return undefined;
  }
}
