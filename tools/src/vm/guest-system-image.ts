import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { resolveCacheDir, DEFAULT_LOCK_PATH } from '../runtimes/cli-paths.ts';
import { DebCache } from '../runtimes/deb-cache.ts';
import { HttpDebSource } from '../runtimes/deb-source.ts';
import { resolveDebianMirror } from '../runtimes/debian-mirror.ts';
import { LineDownloadProgress } from '../runtimes/download-progress.ts';
import { parseRuntimeLock } from '../runtimes/runtime-lock.ts';
import { archInfo } from '../runtimes/runtime-set.ts';
import { nodeBinaryFor } from '../standalone/node-binary.ts';
import { sandboxHelperFor } from '../standalone/sandbox-helper-binary.ts';
import { injectSeaBlob } from '../standalone/sea-injection.ts';
import { prepareSeaBlob } from '../standalone/sea-preparation.ts';
import { bundleServer } from '../standalone/server-bundle.ts';
import { hostStandaloneArchName, standaloneArch } from '../standalone/standalone-arch.ts';
import { STANDALONE_MANIFEST_KEY, manifestAsset, standaloneManifest } from '../standalone/standalone-manifest-file.ts';
import { guestCRuntime, guestCRuntimePackages } from './guest-c-runtime.ts';
import { compileStaticGuestProgram } from './initramfs-build.ts';
import { REPO_ROOT, cacheRoot } from './repo-paths.ts';
import { runCommand } from './run-command.ts';
import { vmArch } from './vm-arch.ts';

/** The guest package: its entry is bundled, its C programs compiled. */
const GUEST_PACKAGE = 'cmd/linux_actiond_guest';

/** Where things sit in the image (the launcher and /init name these paths; keep them in step). */
export const SYSTEM_IMAGE_LAYOUT = {
  launcher: 'bin/actiond-guest',
  worker: 'bin/actiond-worker',
  netif: 'bin/actiond-netif',
  manifest: 'actiond-system.json',
} as const;

/**
 * Level 3 rather than the runtime images' 15: this image is rebuilt on every
 * change of the worker's code, and at 15 the Node.js binary alone takes about
 * 30 s to pack here; the guest decompresses either level at the same speed.
 */
const SQUASHFS_OPTIONS = ['-noappend', '-comp', 'zstd', '-Xcompression-level', '3', '-b', '131072', '-all-root', '-root-mode', '0755', '-no-xattrs', '-no-exports', '-no-progress', '-quiet'];

/** The code that shapes the image, relative to this file: a change to any of them is a new image. */
const BUILDER_FILES = [
  'guest-system-image.ts',
  'guest-c-runtime.ts',
  '../standalone/sea-preparation.ts',
  '../standalone/sea-injection.ts',
  '../standalone/standalone-manifest-file.ts',
  '../standalone/server-bundle.ts',
];

/** How many built images per architecture the cache keeps (older ones are deleted). */
const KEEP_IMAGES = 3;

/** What to build. */
export interface GuestSystemImageOptions {
  /** Guest architecture: x86_64 or aarch64. */
  readonly arch: string;
  /** Cache root (default: cacheRoot(), ~/.cache/actiond). */
  readonly cacheDir?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Progress lines. */
  readonly log: (line: string) => void;
}

/** The built (or cached) image. */
export interface GuestSystemImage {
  readonly path: string;
  /** Hex SHA-256 over every input (the cache key). */
  readonly key: string;
  readonly cached: boolean;
  readonly bytes: number;
}

/**
 * Builds the guest's read-only system disk (vm/README.md, `actiond.system`):
 * a SquashFS holding the launcher /init runs (`bin/actiond-guest`), the
 * guest worker (`bin/actiond-worker`), the static actiond-netif helper, and
 * the C runtime Node.js loads (from the pinned Debian packages, see
 * guest-c-runtime.ts).
 *
 * The worker is built the way the standalone linux-actiond is (the same
 * tools/src/standalone steps): Node.js of the pinned version for the guest
 * CPU, stripped, made a single-executable application whose main script is
 * the bundled cmd/linux_actiond_guest and whose assets are the static
 * actiond-sandbox and the standalone manifest. `serve` inside the guest then
 * finds its sandbox helper exactly as the standalone binary does (extracted
 * under its root, on the CAS disk), and V8's code cache of the bundle is
 * embedded (when building for this CPU), so the guest does not parse the
 * worker at every boot.
 *
 * Every input is produced first (bundling and compiling take a few seconds)
 * and hashed; the image is cached under
 * `<cache>/system-image/<arch>-<key>/`, so an unchanged worker costs no
 * packing, and any change of code, Node.js, helper or library gives a new
 * image. Files get fixed times and root ownership, so the image bytes
 * depend only on the inputs.
 */
export async function buildGuestSystemImage(options: GuestSystemImageOptions): Promise<GuestSystemImage> {
  const env = options.env ?? process.env;
  const vm = vmArch(options.arch);
  const arch = standaloneArch(vm.name);
  const info = archInfo(vm.name);
  const root = join(options.cacheDir ?? cacheRoot(env), 'system-image');
  await mkdir(root, { recursive: true });
  const work = await mkdtemp(join(root, `.work-${vm.name}-`));
  try {
    const nodeOptions = { repoRoot: REPO_ROOT, version: await pinnedNodeVersion(), cacheDir: join(root, 'node'), log: options.log };
    const node = await nodeBinaryFor(arch, nodeOptions);
    const hostArchName = hostStandaloneArchName();
    if (hostArchName === undefined) throw new Error(`the system image is built on x86_64 or aarch64, not on ${process.arch}`);
    const hostNode = await nodeBinaryFor(standaloneArch(hostArchName), nodeOptions);
    const bundle = join(work, 'actiond-guest.cjs');
    await bundleServer(join(REPO_ROOT, GUEST_PACKAGE, 'src', 'main.ts'), bundle);
    const helper = await sandboxHelperFor(arch, REPO_ROOT, work);
    const launcher = join(work, 'actiond-guest');
    const netif = join(work, 'actiond-netif');
    await compileStaticGuestProgram(vm, [join(REPO_ROOT, GUEST_PACKAGE, 'native', 'actiond-guest.c')], launcher);
    await compileStaticGuestProgram(vm, [join(REPO_ROOT, GUEST_PACKAGE, 'native', 'actiond-netif.c')], netif);
    const lockText = await readFile(DEFAULT_LOCK_PATH, 'utf8');
    const lock = parseRuntimeLock(lockText, DEFAULT_LOCK_PATH);
    const packages = guestCRuntimePackages(lock, info);

    const inputs = {
      format: 2,
      arch: vm.name,
      // The code cache is made by the host's Node.js: only usable when it is the guest's too.
      codeCache: arch.native,
      node: await sha256File(node),
      bundle: await sha256File(bundle),
      sandboxHelper: await sha256File(helper),
      launcher: await sha256File(launcher),
      netif: await sha256File(netif),
      cRuntime: packages.map((p) => `${p.name} ${p.version} ${p.sha256}`),
      builder: await sha256Text(BUILDER_FILES.map((name) => new URL(name, import.meta.url))),
      squashfs: SQUASHFS_OPTIONS,
    };
    const key = createHash('sha256').update(JSON.stringify(inputs)).digest('hex');
    const entry = join(root, `${vm.name}-${key}`);
    const image = join(entry, `system-${vm.name}.squashfs`);
    if (existsSync(image)) {
      options.log(`system image ${vm.name} ${key.slice(0, 16)}: cached`);
      return { path: image, key, cached: true, bytes: (await stat(image)).size };
    }

    options.log(`system image ${vm.name} ${key.slice(0, 16)}: building`);
    const started = Date.now();
    const cache = new DebCache(resolveCacheDir(undefined, env), {
      download: (pkg, partial, onBytes) => new HttpDebSource(resolveDebianMirror(undefined, env)).download(pkg, partial, onBytes),
    });
    await cache.ensure(packages, new LineDownloadProgress(options.log));
    const nodeBytes = await readFile(node);
    const stage = join(work, 'stage');
    const put = async (path: string, data: Buffer | string, mode: number) => {
      await mkdir(dirname(join(stage, path)), { recursive: true });
      await writeFile(join(stage, path), data);
      await chmod(join(stage, path), mode);
    };
    for (const file of await guestCRuntime(nodeBytes, lock, info, cache)) await put(file.path, file.data, file.mode);
    await mkdir(join(stage, 'bin'), { recursive: true });
    await buildWorker({ node, hostNode, bundle, helper, arch: vm.name, codeCache: arch.native, strip: arch.strip, work, output: join(stage, SYSTEM_IMAGE_LAYOUT.worker), log: options.log });
    for (const [from, to] of [[launcher, SYSTEM_IMAGE_LAYOUT.launcher], [netif, SYSTEM_IMAGE_LAYOUT.netif]] as const) {
      await copyFile(from, join(stage, to));
      await chmod(join(stage, to), 0o755);
    }
    await put(SYSTEM_IMAGE_LAYOUT.manifest, `${JSON.stringify({ ...inputs, key }, null, 2)}\n`, 0o644);
    await fixTimes(stage);

    await mkdir(entry, { recursive: true });
    const partial = `${image}.partial-${process.pid}`;
    try {
      await runCommand('mksquashfs', [stage, partial, ...SQUASHFS_OPTIONS, '-all-time', '0', '-mkfs-time', '0'], { env: withoutSourceDateEpoch(env) }, 'install Debian package squashfs-tools');
      await rename(partial, image);
    } finally {
      await rm(partial, { force: true });
    }
    const bytes = (await stat(image)).size;
    options.log(`system image ${vm.name} ${key.slice(0, 16)}: ${(bytes / 1048576).toFixed(1)} MiB, built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await prune(root, vm.name, entry);
    return { path: image, key, cached: false, bytes };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The worker executable: a stripped copy of `node` with the single-executable
 * blob injected (main: the bundle; assets: the standalone manifest and the
 * sandbox helper, as cmd/linux_actiond/src/embedded-serve-assets.ts reads
 * them).
 */
async function buildWorker(w: {
  readonly node: string;
  readonly hostNode: string;
  readonly bundle: string;
  readonly helper: string;
  readonly arch: 'x86_64' | 'aarch64';
  readonly codeCache: boolean;
  readonly strip: string;
  readonly work: string;
  readonly output: string;
  readonly log: (line: string) => void;
}): Promise<void> {
  const helper = await manifestAsset(w.helper);
  const manifest = join(w.work, STANDALONE_MANIFEST_KEY);
  await writeFile(manifest, standaloneManifest(w.arch, helper, undefined));
  const blob = await prepareSeaBlob(w.hostNode, { main: w.bundle, assets: { [STANDALONE_MANIFEST_KEY]: manifest, [helper.name]: w.helper }, useCodeCache: w.codeCache }, w.work);
  // Without its symbol table and debug sections Node.js is about 18 MB smaller and runs the same.
  await runCommand(w.strip, ['--strip-all', '-o', w.output, w.node], {}, 'Debian package binutils (or binutils-<arch>-linux-gnu for the other CPU)');
  await chmod(w.output, 0o755);
  await injectSeaBlob(w.hostNode, w.output, blob, w.log);
}

/** The root package.json's `node` devDependency: the Node.js the guest runs, as the host does. */
async function pinnedNodeVersion(): Promise<string> {
  const rootPackage = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
  const version = rootPackage.devDependencies?.['node'];
  if (version === undefined || !/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`the root package.json must pin the node devDependency to an exact version, found ${JSON.stringify(version)}`);
  return version;
}

async function sha256File(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

async function sha256Text(urls: readonly URL[]): Promise<string> {
  const hash = createHash('sha256');
  for (const url of urls) hash.update(await readFile(url)).update('\0');
  return hash.digest('hex');
}

// Every file and directory at time 0, so the image does not depend on when it was staged.
async function fixTimes(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await fixTimes(path);
    await utimes(path, 0, 0);
  }
  await utimes(dir, 0, 0);
}

// mksquashfs refuses SOURCE_DATE_EPOCH together with explicit times.
function withoutSourceDateEpoch(env: Readonly<Record<string, string | undefined>>): NodeJS.ProcessEnv {
  const copy: NodeJS.ProcessEnv = { ...env };
  delete copy['SOURCE_DATE_EPOCH'];
  return copy;
}

// Keeps the KEEP_IMAGES most recently built images of the architecture; `current` always stays.
async function prune(root: string, arch: string, current: string): Promise<void> {
  const entries = [];
  for (const name of await readdir(root)) {
    if (!name.startsWith(`${arch}-`)) continue;
    const path = join(root, name);
    entries.push({ path, mtime: (await stat(path)).mtimeMs });
  }
  entries.sort((a, b) => b.mtime - a.mtime);
  for (const { path } of entries.slice(KEEP_IMAGES)) if (path !== current) await rm(path, { recursive: true, force: true });
}
