import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DebCache } from './deb-cache.ts';
import { readDebData } from './deb-package.ts';
import { parseDebianVersion } from './debian-version.ts';
import type { DownloadProgress } from './download-progress.ts';
import { checkElfClosure } from './elf-closure-check.ts';
import { formatImageManifest, MANIFEST_NAME } from './image-manifest.ts';
import type { ImageManifest, ManifestRuntime } from './image-manifest.ts';
import { finishRuntimeTree } from './runtime-etc.ts';
import type { LockedRuntime, RuntimeLock } from './runtime-lock.ts';
import type { ArchInfo, SandboxUser } from './runtime-set.ts';
import { RuntimeTree } from './runtime-tree.ts';
import { defaultTrim } from './runtime-trim.ts';
import { packSquashfs } from './squashfs-pack.ts';
import { writeTree } from './tree-writer.ts';

/** Everything one image build needs; the CLI assembles it, tests pass fixtures. */
export interface RuntimeImageBuild {
  readonly lock: RuntimeLock;
  /** SHA-256 of the lock file's bytes, recorded in the manifest. */
  readonly lockSha256: string;
  readonly arch: ArchInfo;
  /** The image goes to `<outDir>/runtimes-<arch>.squashfs`; staging happens below outDir too. */
  readonly outDir: string;
  readonly cache: DebCache;
  readonly progress: DownloadProgress;
  readonly sandboxUser: SandboxUser;
  readonly log: (line: string) => void;
}

/** What a build produced. */
export interface BuiltRuntimeImage {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  readonly runtimes: readonly RuntimeStats[];
}

/** Size of one runtime as laid out, before compression. */
export interface RuntimeStats {
  readonly name: string;
  readonly entries: number;
  readonly bytes: number;
}

/** Timestamp of every inode and of the image itself: builds must not depend on when they ran. */
export const IMAGE_EPOCH = 0;

/**
 * Builds one architecture's image: fetches and verifies the locked .debs,
 * lays each runtime out in memory (merged /usr, trimming, /etc, mount
 * points), refuses a runtime whose ELF files cannot all load, writes the
 * runtimes and manifest to a staging directory and packs it with mksquashfs.
 * The image appears under its final name only when complete.
 */
export async function buildRuntimeImage(b: RuntimeImageBuild): Promise<BuiltRuntimeImage> {
  const { arch } = b;
  await b.cache.ensure(
    b.lock.runtimes.flatMap((rt) => rt.packages[arch.arch]),
    b.progress,
  );
  await mkdir(b.outDir, { recursive: true });
  const stage = join(b.outDir, `.stage-${arch.arch}`);
  await rm(stage, { recursive: true, force: true });
  await mkdir(stage);

  const image = join(b.outDir, `runtimes-${arch.arch}.squashfs`);
  const partial = `${image}.partial`;
  let stats: RuntimeStats[];
  try {
    const { manifest, runtimes } = await stageRuntimes(b, stage);
    stats = runtimes;
    await writeFile(join(stage, MANIFEST_NAME), formatImageManifest(manifest));
    await packSquashfs(stage, partial, IMAGE_EPOCH);
    await rename(partial, image);
  } finally {
    await rm(stage, { recursive: true, force: true });
    await rm(partial, { force: true });
  }
  const data = await readFile(image);
  return { path: image, size: (await stat(image)).size, sha256: createHash('sha256').update(data).digest('hex'), runtimes: stats };
}

// Lays every runtime of the lock out below `stage`; returns the manifest describing them and their sizes.
async function stageRuntimes(b: RuntimeImageBuild, stage: string): Promise<{ manifest: ImageManifest; runtimes: RuntimeStats[] }> {
  const { arch } = b;
  const described: ManifestRuntime[] = [];
  const runtimes: RuntimeStats[] = [];
  for (const rt of b.lock.runtimes) {
    const libc6 = checkGlibc(rt, arch);
    const tree = new RuntimeTree({ mergedUsrAliases: rt.mergedUsr ? arch.mergedUsrAliases : [], trim: defaultTrim });
    for (const pkg of rt.packages[arch.arch]) {
      const deb = await b.cache.read(pkg);
      tree.addPackage(pkg.name, await readDebData(deb, `${pkg.name} ${pkg.version}`));
    }
    finishRuntimeTree(tree, b.sandboxUser);
    const problems = checkElfClosure(tree, arch);
    if (problems.length > 0) {
      throw new Error(`runtime ${rt.name} (${arch.arch}) has ELF files that cannot load:\n  ${problems.slice(0, 30).join('\n  ')}${problems.length > 30 ? `\n  ... and ${problems.length - 30} more` : ''}`);
    }
    await mkdir(join(stage, rt.name));
    await writeTree(tree, join(stage, rt.name));
    const entries = tree.entries();
    const files = new Set(entries.flatMap(([, node]) => (node.kind === 'file' ? [node] : [])));
    const bytes = [...files].reduce((n, file) => n + file.data.length, 0);
    described.push({ name: rt.name, suite: rt.suite, glibc: rt.glibc, libc6, packages: rt.packages[arch.arch].length });
    runtimes.push({ name: rt.name, entries: entries.length, bytes });
    b.log(`${arch.arch} ${rt.name}: ${rt.packages[arch.arch].length} packages, ${entries.length} entries, ${(bytes / 1048576).toFixed(1)} MiB unpacked`);
  }
  return { manifest: { format: 1, arch: arch.arch, lockSha256: b.lockSha256, sandboxUser: b.sandboxUser, runtimes: described }, runtimes };
}

// The runtime's name promises a glibc version; the libc6 package must keep it.
function checkGlibc(rt: LockedRuntime, arch: ArchInfo): string {
  const libc6 = rt.packages[arch.arch].find((p) => p.name === 'libc6');
  if (libc6 === undefined) throw new Error(`runtime ${rt.name} (${arch.arch}): the lock has no libc6`);
  const upstream = parseDebianVersion(libc6.version).upstream;
  if (upstream !== rt.glibc) throw new Error(`runtime ${rt.name} (${arch.arch}): libc6 ${libc6.version} is glibc ${upstream}, not ${rt.glibc}`);
  return libc6.version;
}
