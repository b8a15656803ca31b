import { accessSync, constants } from 'node:fs';

/**
 * util-linux's mount(8) and umount(8), by absolute path. The server runs them
 * once per start (the runtime image) and for `mutates_inputs` overlays; it must
 * not depend on the PATH it was started with (the standalone binary is run with
 * a bare environment, and a server's PATH is no part of its contract). The
 * usual Debian and merged-/usr locations are tried in order; the bare name is
 * the last resort, so a missing util-linux still fails with ENOENT naming it.
 */
export const MOUNT_PROGRAM: string = firstExecutable(['/usr/bin/mount', '/bin/mount', '/usr/sbin/mount', '/sbin/mount'], 'mount');
export const UMOUNT_PROGRAM: string = firstExecutable(['/usr/bin/umount', '/bin/umount', '/usr/sbin/umount', '/sbin/umount'], 'umount');

function firstExecutable(candidates: readonly string[], fallback: string): string {
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here; try the next location
    }
  }
  return fallback;
}
