import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { compileStaticGuestProgram } from './initramfs-build.ts';
import { VM_DIR } from './repo-paths.ts';
import { runCommand } from './run-command.ts';
import { vmArch } from './vm-arch.ts';

/**
 * Builds the boot smoke test's stand-in system disk: a zstd squashfs holding
 * only bin/actiond-guest, compiled from vm/testguest/test_guest.c for the
 * guest architecture, all files owned by root with fixed times. Returns the
 * image path (outDir/system-<arch>.squashfs).
 */
export async function buildStandInSystemImage(archName: string, outDir: string): Promise<string> {
  const arch = vmArch(archName);
  mkdirSync(outDir, { recursive: true });
  const tree = mkdtempSync(join(outDir, '.system-'));
  try {
    mkdirSync(join(tree, 'bin'));
    const guest = join(tree, 'bin', 'actiond-guest');
    await compileStaticGuestProgram(arch, [join(VM_DIR, 'testguest', 'test_guest.c')], guest);
    chmodSync(guest, 0o755);
    const image = join(outDir, `system-${arch.name}.squashfs`);
    await runCommand(
      'mksquashfs',
      [tree, image, '-noappend', '-comp', 'zstd', '-all-root', '-mkfs-time', '0', '-all-time', '0', '-quiet', '-no-progress'],
      {},
      'install Debian package squashfs-tools',
    );
    return image;
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
}
