import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { CgroupManager } from './cgroup-manager.ts';
import { CgroupV1Manager } from './cgroup-v1.ts';
import { CgroupV2Manager } from './cgroup-v2.ts';

/** Where {@link openCgroupManager} looks and what it names the server's cgroup. */
export interface CgroupDetectionOptions {
  /** Default `/sys/fs/cgroup`. */
  readonly mountRoot?: string;
  /**
   * The server's parent cgroup (below each v1 hierarchy, or below the v2
   * mount), which must be its own: servers pass `serverCgroupParent(root)`.
   * Default `actiond`.
   */
  readonly parent?: string;
}

/**
 * The host's cgroup manager, picked once at startup: cgroup v2 when the
 * mount root is itself a cgroup2 filesystem (it has `cgroup.controllers`),
 * else cgroup v1 when memory and pids hierarchies are mounted below it
 * (a controller-less cgroup2 at `unified` then only serves for killing).
 * Rejects with an error saying what was looked for when neither is usable.
 */
export async function openCgroupManager(options: CgroupDetectionOptions = {}): Promise<CgroupManager> {
  const mountRoot = options.mountRoot ?? '/sys/fs/cgroup';
  const isV2 = await access(join(mountRoot, 'cgroup.controllers')).then(
    () => true,
    () => false,
  );
  if (isV2) return CgroupV2Manager.open({ mountRoot, parent: options.parent });
  try {
    return await CgroupV1Manager.open({ mountRoot, parent: options.parent });
  } catch (err) {
    throw new Error(
      `no usable cgroups at ${mountRoot}: neither a cgroup2 mount with memory and pids controllers nor cgroup v1 memory and pids hierarchies ` +
        `(${err instanceof Error ? err.message : String(err)})`,
      { cause: err },
    );
  }
}
