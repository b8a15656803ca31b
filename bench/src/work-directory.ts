import { spawnSync } from 'node:child_process';
import { realpathSync, rmSync } from 'node:fs';
import { mountsInside, readMounts } from './mount-table.ts';

/**
 * Removes a benchmark's temp directory. A server killed before it could
 * clean up may have left its runtime images mounted under its root: those
 * mounts are the benchmark's own leftovers and are unmounted first (lazily
 * if they are busy), so the removal never walks into them. Never throws (it
 * runs from 'exit' handlers); writes what it could not remove to stderr,
 * prefixed with `label`.
 */
export function removeWorkDirectory(work: string, label: string): void {
  let real: string;
  try {
    real = realpathSync(work);
  } catch {
    return; // already gone
  }
  for (const mountPoint of mountsInside(real, readMounts())) {
    const result = spawnSync('umount', [mountPoint], { encoding: 'utf8' });
    if (result.status !== 0) spawnSync('umount', ['-l', mountPoint]);
  }
  try {
    rmSync(work, { recursive: true, force: true });
  } catch (err) {
    process.stderr.write(`${label}: could not remove ${work}: ${(err as Error).message}; remove it by hand\n`);
  }
}
