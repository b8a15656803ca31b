import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseDotConfig, parseKconfigFragment } from './kconfig-fragment.ts';
import type { KconfigSetting } from './kconfig-fragment.ts';
import { describeUnmetKconfig, unmetKconfigSettings } from './kconfig-check.ts';
import { kernelCacheKey } from './kernel-cache-key.ts';
import type { KeyedText } from './kernel-cache-key.ts';
import { withFileLock } from './file-lock.ts';
import { REPO_ROOT, VM_DIR, cacheRoot } from './repo-paths.ts';
import { firstLineOf, runCommand } from './run-command.ts';
import { vmArch } from './vm-arch.ts';
import type { VmArch } from './vm-arch.ts';
import { zstdCompress } from './zstd-file.ts';

/** Debian's linux-source-6.1 package installs the kernel source here. */
export const DEFAULT_LINUX_SOURCE = '/usr/src/linux-source-6.1.tar.xz';

/** The build logic whose text goes into the cache key (a change to any of them means a rebuild). */
const KEYED_SCRIPTS = ['kernel-build.ts', 'kconfig-fragment.ts', 'kconfig-check.ts', 'kernel-cache-key.ts', 'vm-arch.ts', 'run-command.ts', 'zstd-file.ts'];

/** What to build and where to put it. */
export interface KernelBuildOptions {
  /** Guest architecture: x86_64 or aarch64. */
  readonly arch: string;
  /** Receives the boot image, its .zst copy, kernel.config and kernel-manifest.json. */
  readonly outDir: string;
  /** Cache root (default: cacheRoot()). */
  readonly cacheDir?: string;
  /** Directory holding common.config and the architecture fragment (default: vm/kernel). */
  readonly fragmentDir?: string;
  /** Kernel source tarball (default: $ACTIOND_LINUX_SOURCE, else DEFAULT_LINUX_SOURCE). */
  readonly sourceTarball?: string;
  /** make -j value (default 2, the size of our machines). */
  readonly jobs?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** Describes one built kernel; written as kernel-manifest.json beside it. */
export interface KernelManifest {
  readonly arch: string;
  /** The cache key (hex SHA-256 of every input). */
  readonly key: string;
  /** `uname -r` of the built kernel. */
  readonly kernelRelease: string;
  readonly linuxSource: { readonly tarball: string; readonly sha256: string; readonly debianPackageVersion: string };
  readonly toolVersions: readonly string[];
  /** Fragment paths relative to the repository, in merge order, applied on top of tinyconfig. */
  readonly fragments: readonly string[];
  /** File names (in the same directory) of the boot image and its zstd copy, and their sizes. */
  readonly image: string;
  readonly imageBytes: number;
  readonly imageZst: string;
  readonly imageZstBytes: number;
  /** Wall time of the build that produced this entry. */
  readonly buildSeconds: number;
}

/** Paths of the files buildKernel() put in outDir. */
export interface KernelBuildResult {
  readonly image: string;
  readonly imageZst: string;
  readonly config: string;
  readonly manifest: KernelManifest;
  /** True when the cache already had this build. */
  readonly cached: boolean;
}

const MANIFEST = 'kernel-manifest.json';
const CONFIG = 'kernel.config';

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

async function debianPackageVersion(tarball: string): Promise<string> {
  if (tarball !== DEFAULT_LINUX_SOURCE) return 'not from the Debian package';
  try {
    return await firstLineOf('dpkg-query', ['-W', '-f=${Version}', 'linux-source-6.1']);
  } catch {
    return 'unknown';
  }
}

async function toolVersions(arch: VmArch): Promise<string[]> {
  const crossHint = arch.crossCompile === '' ? 'install Debian packages gcc and binutils' : `install Debian package gcc-${arch.crossCompile.slice(0, -1)}`;
  return [
    await firstLineOf(`${arch.crossCompile}gcc`, ['--version'], crossHint),
    await firstLineOf(`${arch.crossCompile}ld`, ['--version'], crossHint),
    await firstLineOf('gcc', ['--version'], 'install Debian package gcc'),
  ];
}

/** The tools a kernel build runs besides the compiler, and the Debian package of each. */
const BUILD_TOOLS: readonly (readonly [string, readonly string[], string])[] = [
  ['make', ['--version'], 'make'],
  ['flex', ['--version'], 'flex'],
  ['bison', ['--version'], 'bison'],
  ['bc', ['--version'], 'bc'],
  ['tar', ['--version'], 'tar'],
  ['xz', ['--version'], 'xz-utils'],
  ['perl', ['--version'], 'perl'],
];

async function checkBuildTools(): Promise<void> {
  for (const [tool, args, pkg] of BUILD_TOOLS) {
    await firstLineOf(tool, args, `install Debian package ${pkg}; vm/install-build-deps.sh installs everything the VM build needs`);
  }
}

/** Unpacks the kernel source once per tarball hash; concurrent callers each unpack and the first rename wins. */
async function ensureSource(tarball: string, sha256: string, root: string, log: (line: string) => void): Promise<string> {
  const target = join(root, 'linux-src', sha256.slice(0, 16));
  const findTree = (dir: string): string => {
    const tops = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory());
    if (tops.length !== 1 || tops[0] === undefined) throw new Error(`${tarball} should hold exactly one top-level directory, found ${tops.length}`);
    return join(dir, tops[0].name);
  };
  if (existsSync(join(target, '.complete'))) return findTree(target);
  const tmp = `${target}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  log(`unpacking ${tarball} into ${target}`);
  await runCommand('tar', ['-xJf', tarball, '-C', tmp], {}, 'install Debian packages tar and xz-utils');
  const tree = findTree(tmp);
  if (!existsSync(join(tree, 'Makefile')) || !existsSync(join(tree, 'scripts', 'kconfig', 'merge_config.sh'))) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`${tarball} does not unpack to a kernel source tree (no Makefile or scripts/kconfig/merge_config.sh in ${basename(tree)})`);
  }
  writeFileSync(join(tmp, '.complete'), `${tarball}\n${sha256}\n`);
  try {
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(join(target, '.complete'))) throw err;
  }
  return findTree(target);
}

function readFragments(arch: VmArch, dir: string): { texts: KeyedText[]; settings: KconfigSetting[]; paths: string[] } {
  const texts: KeyedText[] = [];
  const settings: KconfigSetting[] = [];
  const paths: string[] = [];
  for (const name of ['common.config', arch.fragment]) {
    const path = join(dir, name);
    const shown = path.startsWith(REPO_ROOT) ? path.slice(REPO_ROOT.length) : path;
    const text = readFileSync(path, 'utf8');
    texts.push({ name: shown, text });
    settings.push(...parseKconfigFragment(text, shown));
    paths.push(path);
  }
  return { texts, settings, paths };
}

/**
 * Builds (or takes from the cache) the actiond VM guest kernel for one
 * architecture: `make tinyconfig`, then vm/kernel/common.config and the
 * architecture's fragment merged with merge_config.sh, then olddefconfig,
 * then a check that every option the fragments ask for holds in the final
 * .config (failing with the list of those Kconfig dropped), then the image.
 *
 * The result is cached under <cache>/kernel/<key>/, where the key hashes the
 * fragments, the source tarball, the build scripts and the compiler
 * versions; the object tree is kept under <cache>/kernel-build/ so that a
 * changed fragment rebuilds incrementally.
 */
export async function buildKernel(options: KernelBuildOptions): Promise<KernelBuildResult> {
  const arch = vmArch(options.arch);
  const log = options.log ?? (() => {});
  const root = options.cacheDir ?? cacheRoot();
  const tarball = options.sourceTarball ?? (process.env['ACTIOND_LINUX_SOURCE'] || DEFAULT_LINUX_SOURCE);
  const jobs = options.jobs ?? 2;
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`make -j value must be a positive integer, got ${jobs}`);
  if (!existsSync(tarball)) {
    throw new Error(`kernel source ${tarball} not found: install Debian package linux-source-6.1 (vm/install-build-deps.sh), or point ACTIOND_LINUX_SOURCE at a kernel source tarball`);
  }

  const fragments = readFragments(arch, options.fragmentDir ?? join(VM_DIR, 'kernel'));
  const versions = await toolVersions(arch);
  const sourceSha256 = await sha256File(tarball);
  const scripts = KEYED_SCRIPTS.map((name) => ({ name, text: readFileSync(new URL(name, import.meta.url), 'utf8') }));
  const key = kernelCacheKey({ arch: arch.name, fragments: fragments.texts, sourceSha256, scripts, toolVersions: versions });
  const entry = join(root, 'kernel', key);

  let cached = existsSync(join(entry, MANIFEST));
  if (cached) {
    log(`kernel ${arch.name} ${key.slice(0, 16)}: cached in ${entry}`);
  } else {
    await checkBuildTools();
    const buildId = createHash('sha256').update(`${sourceSha256}\0${versions.join('\0')}`).digest('hex').slice(0, 16);
    const buildDir = join(root, 'kernel-build', `${arch.name}-${buildId}`);
    mkdirSync(buildDir, { recursive: true });
    await withFileLock(`${buildDir}.lock`, (pid) => log(`waiting for the build in ${buildDir} held by pid ${pid}`), async () => {
      if (existsSync(join(entry, MANIFEST))) {
        cached = true; // built by whoever held the lock
        return;
      }
      const started = Date.now();
      const srcDir = await ensureSource(tarball, sourceSha256, root, log);
      await buildInto(arch, srcDir, buildDir, fragments, jobs, log);
      await storeEntry(arch, buildDir, entry, key, {
        tarball,
        sourceSha256,
        versions,
        fragmentPaths: fragments.texts.map((t) => t.name),
        buildSeconds: Math.round((Date.now() - started) / 100) / 10,
      });
      log(`kernel ${arch.name} ${key.slice(0, 16)}: built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    });
  }

  const manifest = JSON.parse(readFileSync(join(entry, MANIFEST), 'utf8')) as KernelManifest;
  mkdirSync(options.outDir, { recursive: true });
  for (const name of [manifest.image, manifest.imageZst, CONFIG, MANIFEST]) copyFileSync(join(entry, name), join(options.outDir, name));
  return {
    image: join(options.outDir, manifest.image),
    imageZst: join(options.outDir, manifest.imageZst),
    config: join(options.outDir, CONFIG),
    manifest,
    cached,
  };
}

async function buildInto(
  arch: VmArch,
  srcDir: string,
  buildDir: string,
  fragments: { settings: KconfigSetting[]; paths: string[] },
  jobs: number,
  log: (line: string) => void,
): Promise<void> {
  const logFile = join(buildDir, 'build.log');
  writeFileSync(logFile, '');
  // Fixed build stamps so the same inputs give the same image (uname -v shows them).
  const env = {
    ...process.env,
    LC_ALL: 'C',
    KBUILD_BUILD_TIMESTAMP: 'Thu Jan  1 00:00:00 UTC 1970',
    KBUILD_BUILD_USER: 'actiond',
    KBUILD_BUILD_HOST: 'actiond',
    KBUILD_BUILD_VERSION: '1',
  };
  const make = ['-C', srcDir, `O=${buildDir}`, `ARCH=${arch.kernelArch}`, `CROSS_COMPILE=${arch.crossCompile}`];
  log(`configuring ${arch.name} kernel in ${buildDir}: tinyconfig + ${fragments.paths.map((p) => basename(p)).join(' + ')}`);
  await runCommand('make', [...make, 'tinyconfig'], { env, logFile });
  const dotConfig = join(buildDir, '.config');
  await runCommand(join(srcDir, 'scripts', 'kconfig', 'merge_config.sh'), ['-m', '-O', buildDir, dotConfig, ...fragments.paths], { cwd: srcDir, env, logFile });
  await runCommand('make', [...make, 'olddefconfig'], { env, logFile });
  const unmet = unmetKconfigSettings(fragments.settings, parseDotConfig(readFileSync(dotConfig, 'utf8')));
  if (unmet.length > 0) {
    throw new Error(
      `the ${arch.name} kernel config does not honour ${unmet.length} requested option(s); enable what they depend on, or drop them:\n${describeUnmetKconfig(unmet)}\n(final config: ${dotConfig})`,
    );
  }
  log(`building ${arch.imageTarget} with make -j${jobs} (log: ${logFile})`);
  await runCommand('make', [...make, `-j${jobs}`, arch.imageTarget], { env, logFile });
}

async function storeEntry(
  arch: VmArch,
  buildDir: string,
  entry: string,
  key: string,
  facts: { tarball: string; sourceSha256: string; versions: string[]; fragmentPaths: string[]; buildSeconds: number },
): Promise<void> {
  const image = readFileSync(join(buildDir, arch.imagePath));
  const zst = zstdCompress(image);
  const imageName = basename(arch.imagePath);
  const manifest: KernelManifest = {
    arch: arch.name,
    key,
    kernelRelease: readFileSync(join(buildDir, 'include', 'config', 'kernel.release'), 'utf8').trim(),
    linuxSource: { tarball: facts.tarball, sha256: facts.sourceSha256, debianPackageVersion: await debianPackageVersion(facts.tarball) },
    toolVersions: facts.versions,
    fragments: facts.fragmentPaths,
    image: imageName,
    imageBytes: image.length,
    imageZst: `${imageName}.zst`,
    imageZstBytes: zst.length,
    buildSeconds: facts.buildSeconds,
  };
  const tmp = `${entry}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, imageName), image);
  writeFileSync(join(tmp, manifest.imageZst), zst);
  copyFileSync(join(buildDir, '.config'), join(tmp, CONFIG));
  // The manifest goes last: its presence is what marks an entry complete.
  writeFileSync(join(tmp, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  rmSync(entry, { recursive: true, force: true });
  renameSync(tmp, entry);
  if (statSync(join(entry, MANIFEST)).size === 0) throw new Error(`cache entry ${entry} was not written`);
}
