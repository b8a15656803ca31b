import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_LOCK_PATH, DEFAULT_OUT_DIR, resolveCacheDir } from './cli-paths.ts';
import { DebCache } from './deb-cache.ts';
import { HttpDebSource } from './deb-source.ts';
import type { DebSource } from './deb-source.ts';
import { resolveDebianMirror } from './debian-mirror.ts';
import { LineDownloadProgress, TtyDownloadProgress } from './download-progress.ts';
import { buildRuntimeImage } from './runtime-image-builder.ts';
import { checkLockMatchesSpecs, lockSha256, parseRuntimeLock } from './runtime-lock.ts';
import { ARCHES, archInfo, DEFAULT_SANDBOX_USER, RUNTIMES, sandboxUserFor } from './runtime-set.ts';

const USAGE = `usage: pnpm runtimes:build [--arch x86_64|aarch64] [--out DIR] [--mirror URL] [--cache DIR]
                           [--lock FILE] [--sandbox-uid N] [--sandbox-gid N]

Builds build/runtimes/runtimes-<arch>.squashfs (both architectures unless
--arch is given) from the pinned packages in runtimes/runtimes.lock.json.
Downloads go to a cache keyed by SHA-256 (--cache, ACTIOND_RUNTIME_CACHE, or
~/.cache/actiond/runtime-debs); a warm cache needs no network.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      arch: { type: 'string' },
      out: { type: 'string' },
      mirror: { type: 'string' },
      cache: { type: 'string' },
      lock: { type: 'string' },
      'sandbox-uid': { type: 'string' },
      'sandbox-gid': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const arches = values.arch === undefined ? ARCHES : [archInfo(values.arch)];
  const lockPath = values.lock ?? DEFAULT_LOCK_PATH;
  const lockText = await readFile(lockPath, 'utf8');
  const lock = parseRuntimeLock(lockText, lockPath);
  checkLockMatchesSpecs(lock, RUNTIMES, lockPath);
  const sandboxUser = sandboxUserFor(
    numberOption(values['sandbox-uid'], '--sandbox-uid', DEFAULT_SANDBOX_USER.uid),
    numberOption(values['sandbox-gid'], '--sandbox-gid', DEFAULT_SANDBOX_USER.gid),
  );
  // The mirror is only resolved when something must be downloaded, so a warm cache works with no apt config and no network.
  const source: DebSource = {
    download: (pkg, partial, onBytes) => new HttpDebSource(resolveDebianMirror(values.mirror, process.env)).download(pkg, partial, onBytes),
  };
  const cache = new DebCache(resolveCacheDir(values.cache, process.env), source);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  for (const arch of arches) {
    const started = Date.now();
    const progress = process.stderr.isTTY ? new TtyDownloadProgress(process.stderr) : new LineDownloadProgress(log);
    const image = await buildRuntimeImage({
      lock,
      lockSha256: lockSha256(lockText),
      arch,
      outDir: resolve(values.out ?? DEFAULT_OUT_DIR),
      cache,
      progress,
      sandboxUser,
      log,
    });
    process.stdout.write(`${image.path}: ${(image.size / 1048576).toFixed(1)} MiB, sha256 ${image.sha256}, ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
  }
}

function numberOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[0-9]+$/.test(value)) throw new Error(`${name}: expected a non-negative integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

main().catch((e: unknown) => {
  process.stderr.write(`runtimes:build: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
