import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { writeNewcCpio } from './newc-cpio.ts';
import type { CpioEntry } from './newc-cpio.ts';
import { REPO_ROOT, VM_DIR } from './repo-paths.ts';
import { runCommand } from './run-command.ts';
import { vmArch } from './vm-arch.ts';
import type { VmArch } from './vm-arch.ts';
import { zstdCompress } from './zstd-file.ts';

/** The initramfs file name buildInitramfs() writes. */
export const INITRAMFS_NAME = 'initramfs.cpio.zst';

/** What buildInitramfs() produced. */
export interface InitramfsBuildResult {
  /** The zstd-compressed newc cpio archive. */
  readonly path: string;
  readonly bytes: number;
  /** Size of the static /init inside it. */
  readonly initBytes: number;
}

/** Flags for every static guest program: warnings are errors, and no host path leaks into the binary. */
export function staticGuestCFlags(): string[] {
  return ['-static', '-Os', '-s', '-std=c11', '-D_GNU_SOURCE', '-Wall', '-Wextra', '-Werror', `-ffile-prefix-map=${REPO_ROOT}=`];
}

/** Compiles C sources into one static executable for the guest architecture. */
export async function compileStaticGuestProgram(arch: VmArch, sources: readonly string[], output: string): Promise<void> {
  const hint = arch.crossCompile === '' ? 'install Debian packages gcc and libc6-dev' : `install Debian package gcc-${arch.crossCompile.slice(0, -1)} (it brings the static C library too)`;
  await runCommand(arch.cc, [...staticGuestCFlags(), '-o', output, ...sources], {}, hint);
}

/**
 * The initramfs members: /newroot, where init mounts the tmpfs that becomes
 * the root (init makes every other mount point there), /dev/console (the
 * kernel opens it for init's stdin/stdout/stderr before /dev is mounted; a
 * cpio can carry the device node without root), and /init itself.
 */
export function initramfsEntries(init: Uint8Array): CpioEntry[] {
  return [
    { type: 'dir', path: 'dev', mode: 0o755 },
    { type: 'dir', path: 'newroot', mode: 0o755 },
    { type: 'char', path: 'dev/console', mode: 0o600, major: 5, minor: 1 },
    { type: 'file', path: 'init', mode: 0o755, data: init },
  ];
}

/**
 * Builds the VM guest initramfs for one architecture into outDir: compiles
 * vm/init/*.c into a static /init with the architecture's gcc and writes
 * initramfs.cpio.zst (newc cpio, fixed mtimes, owner root, zstd). Needs no
 * root. Fast enough (about a second) that it is not cached.
 */
export async function buildInitramfs(options: { readonly arch: string; readonly outDir: string }): Promise<InitramfsBuildResult> {
  const arch = vmArch(options.arch);
  const initDir = join(VM_DIR, 'init');
  const sources = readdirSync(initDir).filter((n) => n.endsWith('.c')).sort().map((n) => join(initDir, n));
  if (sources.length === 0) throw new Error(`no C sources in ${initDir}`);
  mkdirSync(options.outDir, { recursive: true });
  const work = mkdtempSync(join(options.outDir, '.initramfs-'));
  try {
    const initPath = join(work, 'init');
    await compileStaticGuestProgram(arch, sources, initPath);
    const init = readFileSync(initPath);
    const archive = zstdCompress(writeNewcCpio(initramfsEntries(init)));
    const out = join(options.outDir, INITRAMFS_NAME);
    writeFileSync(join(work, INITRAMFS_NAME), archive);
    renameSync(join(work, INITRAMFS_NAME), out);
    return { path: out, bytes: archive.length, initBytes: init.length };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
