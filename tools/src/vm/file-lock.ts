import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

function holderAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs fn while holding an exclusive lock file at `path` (created with
 * O_EXCL, holding the owner's pid). Another process's lock is waited for; a
 * lock whose owner is gone (a build killed midway) is taken over. Only for
 * processes on one machine, which is where kernel build directories live.
 */
export async function withFileLock<T>(path: string, onWait: (holder: number) => void, fn: () => Promise<T>): Promise<T> {
  let told = false;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder = NaN;
    try {
      holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
    } catch {
      continue; // released between our open and read: try again
    }
    if (!Number.isInteger(holder) || !holderAlive(holder)) {
      rmSync(path, { force: true });
      continue;
    }
    if (!told) onWait(holder);
    told = true;
    await sleep(1000);
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}
