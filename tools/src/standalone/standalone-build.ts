import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../vm/run-command.ts';
import { checkElfArch } from './elf-arch-check.ts';
import { nodeBinaryFor } from './node-binary.ts';
import { sandboxHelperFor } from './sandbox-helper-binary.ts';
import { injectSeaBlob } from './sea-injection.ts';
import { prepareSeaBlob } from './sea-preparation.ts';
import { bundleServer } from './server-bundle.ts';
import { hostStandaloneArchName, standaloneArch, type StandaloneArch } from './standalone-arch.ts';
import { STANDALONE_MANIFEST_KEY, manifestAsset, standaloneManifest, type ManifestAsset } from './standalone-manifest-file.ts';

/** What to build. */
export interface StandaloneBuildOptions {
  readonly arch: StandaloneArch;
  /** The repository root. */
  readonly repoRoot: string;
  /** Where the binary goes (`linux-actiond-standalone-<arch>`), with a `<arch>/` work directory beside it. */
  readonly outDir: string;
  /** Embed build/runtimes/runtimes-<arch>.squashfs (required unless false: a test build without runtimes). */
  readonly runtimes: boolean;
  /**
   * The runtime image to embed instead of build/runtimes/runtimes-<arch>.squashfs
   * (`--runtime-image`: Bazel hands in //runtimes:runtimes_squashfs). Needs `runtimes`.
   */
  readonly runtimeImage?: string;
  /**
   * The static actiond-sandbox to embed instead of node-gyp's (this CPU) or a
   * cross-compiled one (`--sandbox-helper`: Bazel hands in its cc_binary).
   */
  readonly sandboxHelper?: string;
  /**
   * The Node.js for this machine's CPU, of the pinned version, instead of
   * node_modules/node/bin/node (`--node`: Bazel hands in its Node.js
   * toolchain's, as it installs no `node` package binary). It prepares the
   * blob, and for a build for this CPU it is the binary the blob goes into.
   */
  readonly hostNode?: string;
  /** Where Node.js binaries for the other CPU are kept between builds. */
  readonly nodeCacheDir: string;
  readonly log: (line: string) => void;
}

/** The finished binary and what it holds. */
export interface StandaloneBuild {
  readonly path: string;
  readonly size: number;
  readonly nodeVersion: string;
  /** Source files in the JavaScript bundle. */
  readonly bundleInputs: number;
  readonly sandboxHelper: ManifestAsset;
  readonly runtimeImage: ManifestAsset | undefined;
}

/** The server's entry point, relative to the repository. */
const ENTRY_POINT = 'cmd/linux_actiond/src/main.ts';

/**
 * Builds `linux-actiond-standalone-<arch>`: bundles the server, collects the
 * sandbox helper and the runtime image for the CPU, prepares a Node.js
 * single-executable-application blob with them as assets, injects it into a
 * copy of the Node.js binary, and checks that the result prints its version
 * (natively, or under QEMU user emulation for the other CPU). The binary
 * appears at its path only when all of that succeeded.
 */
export async function buildStandalone(options: StandaloneBuildOptions): Promise<StandaloneBuild> {
  const { arch, repoRoot, log } = options;
  if (options.runtimeImage !== undefined && !options.runtimes) {
    throw new Error('--runtime-image and --no-runtimes contradict each other: pass one of them');
  }
  if (options.runtimeImage !== undefined && !existsSync(options.runtimeImage)) {
    throw new Error(`--runtime-image ${options.runtimeImage}: no such file`);
  }
  if (options.hostNode !== undefined && !existsSync(options.hostNode)) {
    throw new Error(`--node ${options.hostNode}: no such file`);
  }
  if (options.sandboxHelper !== undefined && !existsSync(options.sandboxHelper)) {
    throw new Error(`--sandbox-helper ${options.sandboxHelper}: no such file`);
  }
  const runtimeImagePath = options.runtimeImage ?? join(repoRoot, 'build', 'runtimes', `runtimes-${arch.name}.squashfs`);
  if (options.runtimes && !existsSync(runtimeImagePath)) {
    throw new Error(
      `${runtimeImagePath} is missing: run \`pnpm runtimes:build --arch ${arch.name}\` first ` +
        '(or pass --no-runtimes for a binary without runtime images, which cannot execute actions without --runtime-image/--runtime-root)',
    );
  }
  const workDir = join(options.outDir, arch.name);
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  const nodeVersion = await pinnedNodeVersion(repoRoot);
  const hostName = hostStandaloneArchName();
  if (hostName === undefined) throw new Error(`the standalone build runs on x86_64 or aarch64, not on ${process.arch}`);
  const nodeOptions = { repoRoot, version: nodeVersion, cacheDir: options.nodeCacheDir, log };
  const hostNode = options.hostNode ?? (await nodeBinaryFor(standaloneArch(hostName), nodeOptions));
  if (options.hostNode !== undefined) await checkNodeVersion(options.hostNode, nodeVersion);
  const targetNode = arch.native ? hostNode : await nodeBinaryFor(arch, nodeOptions);
  await checkElfArch(targetNode, arch, 'any', `Node.js ${nodeVersion} for ${arch.name}`);

  log(`bundling ${ENTRY_POINT}`);
  const bundle = await bundleServer(join(repoRoot, ENTRY_POINT), join(workDir, 'linux-actiond.cjs'));
  const helperPath = options.sandboxHelper ?? (await sandboxHelperFor(arch, repoRoot, workDir));
  await checkElfArch(helperPath, arch, 'static', 'actiond-sandbox');
  // Canonical names whatever the given files are called (Bazel's or a --runtime-image path).
  const sandboxHelper = await manifestAsset(helperPath, 'actiond-sandbox');
  const runtimeImage = options.runtimes ? await manifestAsset(runtimeImagePath, `runtimes-${arch.name}.squashfs`) : undefined;
  const manifestPath = join(workDir, STANDALONE_MANIFEST_KEY);
  await writeFile(manifestPath, standaloneManifest(arch.name, sandboxHelper, runtimeImage));

  const assets: Record<string, string> = { [STANDALONE_MANIFEST_KEY]: manifestPath, [sandboxHelper.name]: sandboxHelper.path };
  if (runtimeImage !== undefined) assets[runtimeImage.name] = runtimeImage.path;
  log(`preparing the SEA blob (${Object.keys(assets).join(', ')})`);
  const blob = await prepareSeaBlob(hostNode, { main: bundle.path, assets, useCodeCache: arch.native }, workDir);

  const output = join(options.outDir, `linux-actiond-standalone-${arch.name}`);
  const partial = `${output}.partial`;
  try {
    // Without its symbol table and debug sections Node.js is about 18 MB
    // smaller; .dynsym stays, so native backtraces still name functions.
    await runCommand(arch.strip, ['--strip-all', '-o', partial, targetNode], {}, arch.native ? 'Debian package binutils' : `Debian package binutils-${arch.info.multiarch}`);
    await chmod(partial, 0o755);
    log(`injecting the blob into a stripped copy of Node.js ${nodeVersion} (${arch.nodePackage})`);
    await injectSeaBlob(hostNode, partial, blob, log);
    await checkRuns(partial, arch);
    await rename(partial, output);
  } finally {
    await rm(partial, { force: true });
    await rm(blob, { force: true });
  }
  return { path: output, size: (await stat(output)).size, nodeVersion, bundleInputs: bundle.inputs, sandboxHelper, runtimeImage };
}

/** The root package.json's `node` devDependency: the Node.js the workspace runs on. */
async function pinnedNodeVersion(repoRoot: string): Promise<string> {
  const rootPackage = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
  const version = rootPackage.devDependencies?.['node'];
  if (version === undefined || !/^\d+\.\d+\.\d+$/.test(version)) {
    throw new Error(`the root package.json must pin the node devDependency to an exact version, found ${JSON.stringify(version)}`);
  }
  return version;
}

/** A Node.js handed in by --node must be the pinned one: the blob format and the embedded code cache are per version. */
async function checkNodeVersion(node: string, pinned: string): Promise<void> {
  const { stdout } = await runCommand(node, ['--version'], {});
  const found = stdout.trim();
  if (found !== `v${pinned}`) throw new Error(`--node ${node} is Node.js ${found}, but the workspace pins ${pinned} (the root package.json's node devDependency)`);
}

/** The binary must start and print `linux-actiond <version>`: proof that the blob is found and the bundle loads. */
async function checkRuns(binary: string, arch: StandaloneArch): Promise<void> {
  const [command, ...args] = arch.native ? [binary] : [...arch.emulator, binary];
  const { stdout } = await runCommand(command!, [...args, '--version'], {}, arch.native ? undefined : 'Debian package qemu-user-static');
  if (!/^linux-actiond \S+\n$/.test(stdout)) {
    throw new Error(`${binary} --version printed ${JSON.stringify(stdout)}, expected "linux-actiond <version>"`);
  }
}
