import { access, mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

// File operations shared by the cgroup v1 and v2 managers.

/** Writes one value to a cgroup control file, naming the file if the kernel refuses it. */
export async function writeControl(path: string, value: string): Promise<void> {
  try {
    await writeFile(path, value);
  } catch (err) {
    throw new Error(`cannot write ${JSON.stringify(value)} to ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** `key N` from a flat-keyed cgroup file (memory.events, pids.events, memory.oom_control); undefined if absent. */
export async function readKeyedCounter(path: string, key: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  const match = text === undefined ? null : new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return match === null ? undefined : Number(match[1]);
}

/** A file holding one number (memory.peak, memory.max_usage_in_bytes); undefined if absent. */
export async function readNumber(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined || !/^\d+\n?$/.test(text)) return undefined;
  return Number(text.trim());
}

/** The pids listed in a cgroup.procs file (empty if the cgroup is gone). */
export async function readPids(procsPath: string): Promise<number[]> {
  const text = await readFile(procsPath, 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line !== '').map(Number);
}

/** Creates a cgroup directory; one that already exists (left by a crash) is an error, since its limits are unknown. */
export async function makeCgroup(path: string): Promise<void> {
  try {
    await mkdir(path);
  } catch (err) {
    throw new Error(`cannot create cgroup ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/**
 * Removes a cgroup directory. The kernel refuses (EBUSY) while a process
 * it counted is still exiting, so retry for a while; a cgroup already gone
 * is fine.
 */
export async function removeCgroup(path: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rmdir(path);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || attempt >= 400) {
        throw new Error(`cannot remove cgroup ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      await sleep(5);
    }
  }
}

/**
 * Removes a server's parent cgroup if nothing is left in it. EBUSY (a child
 * cgroup, or a process still counted) and ENOTEMPTY (a plain directory, as
 * in tests) leave it in place; gone already is fine.
 */
export async function removeParentCgroup(path: string): Promise<void> {
  try {
    await rmdir(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EBUSY' || code === 'ENOTEMPTY') return;
    throw new Error(`cannot remove cgroup ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/**
 * Kills what `procsPath` lists until it lists nothing: `kill` is asked to
 * kill (through cgroup.kill, or by freezing and signalling), then the file
 * is polled. Gives up after about 10 s with an error naming the cgroup.
 */
export async function killUntilEmpty(procsPath: string, kill: () => Promise<void>): Promise<void> {
  for (let attempt = 0; attempt < 2000; attempt++) {
    if ((await readPids(procsPath)).length === 0) return;
    if (attempt % 20 === 0) await kill();
    await sleep(5);
  }
  throw new Error(`processes are still alive in ${procsPath} after being killed`);
}

/** Sends SIGKILL to each pid, ignoring those already gone. */
export function killPids(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
}

/** Child cgroups of `parent` (directories), for removing stale ones. */
export async function childCgroups(parent: string): Promise<string[]> {
  const entries = await readdir(parent, { withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isDirectory()).map((entry) => join(parent, entry.name));
}

/** Whether a cgroup file exists (controllers and kernel versions differ in what they offer). */
export async function fileExists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** For writes to a cgroup that may have disappeared meanwhile: it then has nothing left to kill. */
export function ignoreGone(err: unknown): void {
  const cause = (err as { cause?: NodeJS.ErrnoException }).cause;
  if (cause?.code !== 'ENOENT') throw err;
}
