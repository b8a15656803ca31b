import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

/** The cgroup all servers' parents go under, below each hierarchy (or the cgroup2 mount). */
export const SERVER_CGROUPS_BASE = 'actiond';

/**
 * The parent cgroup of the server that works in `root` (its `--root`):
 * `actiond/root-<16 hex digits of the SHA-256 of the absolute root path>`.
 *
 * Why per root: at startup a server kills and removes every action cgroup
 * under its parent, as what a crashed predecessor left behind
 * (`CgroupManager.removeStale`). With one parent shared by every
 * server on the host, starting a second server (another root, a test
 * suite, a benchmark) killed the first one's running actions: Bazel then
 * saw a test fail with an empty log. A root has one server at a time (its
 * CAS and exec directory already assume that), so the cgroups a server
 * finds under its root's parent really are stale, and a restart on the
 * same root still cleans up after a crash. A hash, because a path holds
 * slashes and may be longer than a cgroup name can be.
 *
 * `base` is for tests, which keep their cgroups apart from real servers'.
 */
export function serverCgroupParent(root: string, base: string = SERVER_CGROUPS_BASE): string {
  const hash = createHash('sha256').update(resolve(root)).digest('hex').slice(0, 16);
  return `${base}/root-${hash}`;
}
