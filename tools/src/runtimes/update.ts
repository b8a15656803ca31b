import { readFile, rename, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ArchiveIndexFetcher } from './archive-index-fetcher.ts';
import { DEFAULT_LOCK_PATH } from './cli-paths.ts';
import { resolveDebianMirror } from './debian-mirror.ts';
import { describeLockChanges, resolveRuntimeLock } from './lock-resolver.ts';
import { formatRuntimeLock, parseRuntimeLock } from './runtime-lock.ts';
import type { RuntimeLock } from './runtime-lock.ts';
import { ARCHES, RUNTIMES } from './runtime-set.ts';
import { DEFAULT_ARCHIVE_KEYRING } from './signed-release.ts';

const USAGE = `usage: pnpm runtimes:update [--mirror URL] [--keyring FILE] [--lock FILE]

Re-resolves runtimes/runtimes.lock.json from the current Packages indexes of
each runtime's suite (main, amd64 and arm64), checked against the suite's
signed InRelease. The mirror comes from --mirror, ACTIOND_DEBIAN_MIRROR, or
this machine's apt sources.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { mirror: { type: 'string' }, keyring: { type: 'string' }, lock: { type: 'string' }, help: { type: 'boolean' } },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const lockPath = values.lock ?? DEFAULT_LOCK_PATH;
  const mirror = resolveDebianMirror(values.mirror, process.env);
  let before: RuntimeLock | undefined;
  let beforeText: string | undefined;
  try {
    beforeText = await readFile(lockPath, 'utf8');
    before = parseRuntimeLock(beforeText, lockPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const started = Date.now();
  const lock = await resolveRuntimeLock(RUNTIMES, ARCHES, new ArchiveIndexFetcher(mirror, values.keyring ?? DEFAULT_ARCHIVE_KEYRING));
  const text = formatRuntimeLock(lock);
  const changes = describeLockChanges(before, lock, ARCHES);
  if (text === beforeText) {
    process.stdout.write(`${lockPath} is up to date (${((Date.now() - started) / 1000).toFixed(1)}s)\n`);
    return;
  }
  await writeFile(`${lockPath}.tmp`, text);
  await rename(`${lockPath}.tmp`, lockPath);
  for (const line of changes) process.stdout.write(`${line}\n`);
  process.stdout.write(`wrote ${lockPath} (${changes.length} package changes, ${((Date.now() - started) / 1000).toFixed(1)}s)\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`runtimes:update: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
