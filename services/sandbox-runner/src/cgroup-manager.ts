import type { ResourceLimits } from './platform-properties.ts';

/** What the kernel counted for one action's cgroups; a counter the hierarchy does not offer is undefined. */
export interface CgroupUsage {
  /** Highest memory use (anonymous memory plus page cache), bytes. */
  readonly memoryPeakBytes: number | undefined;
  /** Processes the OOM killer killed because of the memory limit. */
  readonly oomKills: number | undefined;
  /** fork/clone calls refused because of the process limit. */
  readonly pidsLimitHits: number | undefined;
}

/**
 * The cgroups of one action: made by {@link CgroupManager.create} with the
 * limits written, joined by the action (the helper writes to `procsPaths`
 * before exec), emptied and removed by the caller at the end, always in
 * this order: `killAll`, `usage` (when the caller wants the counters), then
 * `remove`, or instead `recycle` (only {@link PooledCgroupManager} does, to
 * hand the same directories to a later action) and `remove` if that
 * resolved to undefined.
 */
export interface ActionCgroup {
  /** The cgroup.procs files the action joins: one per v1 hierarchy, one on v2. */
  readonly procsPaths: readonly string[];
  /**
   * Kills every process still in the cgroups and resolves once they are
   * gone. Normally there are none (the helper's PID namespace ends with its
   * PID 1); this is the guarantee that nothing an action started survives.
   */
  killAll(): Promise<void>;
  usage(): Promise<CgroupUsage>;
  /** Removes the cgroups; call after `killAll`. */
  remove(): Promise<void>;
  /**
   * Marks the cgroups as never to be reused: `recycle` then resolves to
   * undefined. The caller says so when something it does not see may have
   * written cgroup.kill: the helper does on a timeout or a cancelled run.
   * A cgroup2 group that was ever killed that way is unusable on Linux 6.18:
   * the kernel kills every process later created in it by
   * clone3(CLONE_INTO_CGROUP), the way the helper starts actions
   * (cgroup_css_set_fork reads the kill_seq of the parent's cgroup,
   * cgroup_post_fork compares it with the target's, which the kill
   * raised). `killAll` marks the cgroups itself when it had to kill.
   */
  retire(): void;
  /**
   * After `killAll` resolved: makes these cgroups ready for another action
   * with the same limits, without removing and making them again. Resolves
   * to the handle the next action gets, whose `usage` counts from now on,
   * once every hierarchy's cgroup.procs was read and is empty, no process
   * (not even an unreaped zombie) is still counted, little memory is left
   * charged, and the counters were reset or a baseline for them read. Any
   * doubt (a process, a file that cannot be read or written, a kernel
   * without a resettable peak) resolves to undefined, and the caller then
   * calls `remove` as usual. After a handle was returned, this one must not
   * be used again: its `remove` rejects, since the directories now belong
   * to another action.
   */
  recycle(): Promise<ActionCgroup | undefined>;
}

/**
 * Makes per-action cgroups under the server's own parent cgroup. One
 * implementation per cgroup version ({@link CgroupV1Manager},
 * {@link CgroupV2Manager}); `openCgroupManager` picks the host's at startup.
 * Errors are plain Errors naming the file; the executor reports them as
 * INTERNAL (limits were validated when the platform properties were parsed).
 */
export interface CgroupManager {
  /** Short description for logs, such as "cgroup v1 (memory, pids, cpu; kill via cgroup2 cgroup.kill)". */
  readonly description: string;
  /** Creates the cgroups of one action, `name` unique among running actions, with `limits` written. */
  create(name: string, limits: ResourceLimits): Promise<ActionCgroup>;
  /**
   * Kills and removes every cgroup under the parent: at startup, what an
   * earlier server process left (a crash). The parent must be this
   * server's own (see `serverCgroupParent`): whatever is in it is killed.
   */
  removeStale(): Promise<number>;
  /**
   * At shutdown, after the actions' cgroups are removed: removes the
   * parent cgroup, so servers on temporary roots leave nothing behind. A
   * parent that still holds a cgroup (an action still being cleaned up) is
   * left for the next server on the root, without an error.
   */
  close(): Promise<void>;
}
