import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildGuestSystemImage } from './guest-system-image.ts';
import { buildInitramfs, INITRAMFS_NAME } from './initramfs-build.ts';
import { buildKernel } from './kernel-build.ts';
import { REPO_ROOT, VM_DIR, cacheRoot } from './repo-paths.ts';
import { firstLineOf } from './run-command.ts';
import { vmArch } from './vm-arch.ts';

/** The files serve-vm boots, as built in a checkout. */
export interface VmArtifacts {
  /** Uncompressed kernel image. */
  readonly kernel: string;
  readonly initramfs: string;
  readonly systemImage: string;
  /** The runtimes image, undefined when it was not asked for. */
  readonly runtimeImage: string | undefined;
}

/** What {@link ensureVmArtifacts} builds. */
export interface VmArtifactsOptions {
  readonly arch: string;
  /** Receives the kernel (`kernel/`); the other artifacts stay in their caches. */
  readonly outDir: string;
  /** Also make sure build/runtimes/runtimes-<arch>.squashfs exists (building it: `pnpm runtimes:build`). */
  readonly runtimes: boolean;
  readonly cacheDir?: string;
  readonly log: (line: string) => void;
}

/**
 * Makes sure the VM's boot files are built from the checkout as it is now,
 * and returns their paths. Each build is cached by a hash of its inputs
 * (kernel: vm/README.md; initramfs: below; system image:
 * guest-system-image.ts), so when nothing changed this costs a few seconds
 * of hashing and bundling, and a change to the worker's code or to /init is
 * never booted stale. The three run side by side.
 */
export async function ensureVmArtifacts(options: VmArtifactsOptions): Promise<VmArtifacts> {
  const arch = vmArch(options.arch);
  const cacheDir = options.cacheDir ?? cacheRoot();
  const tagged = (tag: string) => (line: string) => options.log(`${tag}: ${line}`);
  const [kernel, initramfs, system, runtimeImage] = await Promise.all([
    buildKernel({ arch: arch.name, outDir: join(options.outDir, 'kernel'), cacheDir, log: tagged('kernel') }),
    cachedInitramfs(arch.name, cacheDir, tagged('initramfs')),
    buildGuestSystemImage({ arch: arch.name, cacheDir, log: tagged('system image') }),
    options.runtimes ? runtimeImageFor(arch.name, tagged('runtimes')) : Promise.resolve(undefined),
  ]);
  return { kernel: kernel.image, initramfs, systemImage: system.path, runtimeImage };
}

/** The initramfs build's inputs: /init's sources, the build code and the compiler. */
const INITRAMFS_SCRIPTS = ['initramfs-build.ts', 'newc-cpio.ts', 'zstd-file.ts', 'vm-arch.ts', 'run-command.ts'];

// buildInitramfs compiles /init every time (about a second); keyed by its inputs it is built once.
async function cachedInitramfs(archName: string, cacheDir: string, log: (line: string) => void): Promise<string> {
  const arch = vmArch(archName);
  const hash = createHash('sha256').update(`${arch.name}\0${await firstLineOf(arch.cc, ['--version'])}\0`);
  const initDir = join(VM_DIR, 'init');
  for (const name of (await readdir(initDir)).sort()) hash.update(`${name}\0`).update(await readFile(join(initDir, name))).update('\0');
  for (const name of INITRAMFS_SCRIPTS) hash.update(await readFile(new URL(name, import.meta.url))).update('\0');
  const key = hash.digest('hex');
  const entry = join(cacheDir, 'initramfs', `${arch.name}-${key}`);
  const path = join(entry, INITRAMFS_NAME);
  if (existsSync(path)) return path;
  log(`building ${arch.name} ${key.slice(0, 16)}`);
  const tmp = `${entry}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await buildInitramfs({ arch: arch.name, outDir: tmp });
  await mkdir(join(cacheDir, 'initramfs'), { recursive: true });
  await rm(entry, { recursive: true, force: true });
  await rename(tmp, entry);
  return path;
}

// The runtime image is built by its own CLI (it downloads pinned .debs on a cold cache).
async function runtimeImageFor(arch: string, log: (line: string) => void): Promise<string> {
  const image = join(REPO_ROOT, 'build', 'runtimes', `runtimes-${arch}.squashfs`);
  if (existsSync(image)) return image;
  log(`${image} is missing: running pnpm runtimes:build --arch ${arch}`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'tools', 'src', 'runtimes', 'build.ts'), '--arch', arch], { stdio: ['ignore', 'pipe', 'pipe'] });
    const forward = (chunk: Buffer) => chunk.toString().split('\n').filter((l) => l.trim() !== '').forEach((l) => log(l));
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`pnpm runtimes:build --arch ${arch} failed with status ${code}`))));
  });
  return image;
}
