import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DebSource } from './deb-source.ts';
import type { DownloadProgress } from './download-progress.ts';
import type { LockedPackage } from './runtime-lock.ts';

/**
 * A content-addressed store of .deb files: `<dir>/<sha256>.deb`, keyed by
 * the SHA-256 the lock pins, so any version of any runtime can share it and
 * a warm cache needs no network. Nothing is trusted because of where it is:
 * every read checks size and SHA-256 against the lock again, and a mismatch
 * fails loudly, naming the package and both values. The rejected file is
 * moved aside (`.rejected`) rather than deleted, so it can be inspected, and
 * the next build downloads a fresh copy.
 */
export class DebCache {
  readonly #dir: string;
  readonly #source: DebSource;

  /** `dir` is created on first use; `source` is only asked for packages the cache lacks. */
  constructor(dir: string, source: DebSource) {
    this.#dir = dir;
    this.#source = source;
  }

  /** Path of the verified cache entry for `pkg` (whether or not it exists yet). */
  pathOf(pkg: LockedPackage): string {
    return join(this.#dir, `${pkg.sha256}.deb`);
  }

  /**
   * Makes sure every package is in the cache, downloading the missing ones
   * (up to `parallel` at a time) and verifying each download before it
   * becomes a cache entry. Entries already present are not re-read here; `read`
   * verifies them.
   */
  async ensure(packages: readonly LockedPackage[], progress: DownloadProgress, parallel = 4): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const unique = [...new Map(packages.map((p) => [p.sha256, p])).values()];
    const missing: LockedPackage[] = [];
    for (const pkg of unique) if (!(await exists(this.pathOf(pkg)))) missing.push(pkg);
    progress.start(unique.length, unique.length - missing.length, missing.reduce((n, p) => n + p.size, 0));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < missing.length) {
        const pkg = missing[next++] as LockedPackage;
        await this.#download(pkg, progress);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(parallel, missing.length) }, worker));
    } finally {
      progress.finish();
    }
  }

  /** The package's bytes from the cache, verified against the lock; throws if absent or different. */
  async read(pkg: LockedPackage): Promise<Buffer> {
    const path = this.pathOf(pkg);
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${describe(pkg)}: not in the download cache (${path})`);
      throw e;
    }
    const problem = mismatch(pkg, data);
    if (problem !== undefined) {
      // Moving it aside is a convenience; a read-only cache (Bazel hands one over) still gets the same loud failure.
      const moved = await rename(path, `${path}.rejected`).then(
        () => `moved it to ${path}.rejected, the next build downloads it again`,
        (e: Error) => `could not move it aside (${e.message}); delete it to download it again`,
      );
      throw new Error(`${describe(pkg)}: cached file ${path} does not match the lock: ${problem}; ${moved}`);
    }
    return data;
  }

  async #download(pkg: LockedPackage, progress: DownloadProgress): Promise<void> {
    const final = this.pathOf(pkg);
    const partial = `${final}.partial`;
    await this.#source.download(pkg, partial, (n) => progress.bytes(n));
    const data = await readFile(partial);
    const problem = mismatch(pkg, data);
    if (problem !== undefined) {
      await rm(partial, { force: true });
      throw new Error(`${describe(pkg)}: download does not match the lock: ${problem}`);
    }
    await rename(partial, final);
    progress.done(pkg);
  }
}

function mismatch(pkg: LockedPackage, data: Buffer): string | undefined {
  if (data.length !== pkg.size) return `size mismatch: expected ${pkg.size} bytes, got ${data.length}`;
  const actual = createHash('sha256').update(data).digest('hex');
  if (actual !== pkg.sha256) return `SHA-256 mismatch: expected ${pkg.sha256}, got ${actual}`;
  return undefined;
}

function describe(pkg: LockedPackage): string {
  return `package ${pkg.name} ${pkg.version} (${pkg.filename})`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}
