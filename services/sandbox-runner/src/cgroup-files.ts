import { accessSync, closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

// File operations shared by the cgroup v1 and v2 managers.
//
// They are direct system calls behind the async signatures: cgroupfs lives
// in memory, so each call takes microseconds, while a call through libuv's
// thread pool costs a thread wake-up and an event-loop turn, on a busy
// 2-core machine often a context switch each way. An action's cgroups take
// about 25 of these calls (bench/RESULTS.md). Only the waits (for a cgroup
// to empty, for the kernel to let go of one) yield to the event loop.

/** Writes one value to a cgroup control file, naming the file if the kernel refuses it. */
export async function writeControl(path: string, value: string): Promise<void> {
  try {
    writeFileSync(path, value);
  } catch (err) {
    throw new Error(`cannot write ${JSON.stringify(value)} to ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** `key N` from a flat-keyed cgroup file (memory.events, pids.events, memory.oom_control); undefined if absent. */
export async function readKeyedCounter(path: string, key: string): Promise<number | undefined> {
  const text = readOrUndefined(path);
  const match = text === undefined ? null : new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return match === null ? undefined : Number(match[1]);
}

/** A file holding one number (memory.peak, memory.max_usage_in_bytes); undefined if absent. */
export async function readNumber(path: string): Promise<number | undefined> {
  const text = readOrUndefined(path);
  if (text === undefined || !/^\d+\n?$/.test(text)) return undefined;
  return Number(text.trim());
}

/**
 * Whether a cgroup.procs file can be read and lists no process: the check
 * before a cgroup is handed to another action. A file that cannot be read
 * counts as not empty, so a doubt always means "do not reuse".
 */
export function listsNoProcess(procsPath: string): boolean {
  const text = readOrUndefined(procsPath);
  return text !== undefined && text.trim() === '';
}

/**
 * At most this much memory may still be charged to a memory cgroup that is
 * handed to another action: what an action leaves charged is mostly page
 * cache of the files it wrote (its outputs, now in the CAS) and kernel
 * memory such as dentries, which the next action would otherwise find
 * already counted against its limit. A trivial action leaves 150-450 KiB
 * (measured on the build machine's v1); one that wrote 20 MB leaves 20 MB,
 * and its cgroup is removed instead.
 */
export const MAX_REUSED_MEMORY_CHARGE_BYTES = 4 * 1024 * 1024;

/**
 * The memory an action may have left charged for its cgroup to be reused
 * under `limitBytes`: {@link MAX_REUSED_MEMORY_CHARGE_BYTES}, and no more
 * than 1/16 of the limit, so a small limit loses at most a sixteenth of
 * itself to reclaimable leftovers before the next action starts.
 */
export function reusableMemoryCharge(limitBytes: number | undefined): number {
  return limitBytes === undefined ? MAX_REUSED_MEMORY_CHARGE_BYTES : Math.min(MAX_REUSED_MEMORY_CHARGE_BYTES, Math.floor(limitBytes / 16));
}

/** The pids listed in a cgroup.procs file (empty if the cgroup is gone). */
export async function readPids(procsPath: string): Promise<number[]> {
  const text = readOrUndefined(procsPath) ?? '';
  return text.split('\n').filter((line) => line !== '').map(Number);
}

/** Creates a cgroup directory; one that already exists (left by a crash) is an error, since its limits are unknown. */
export async function makeCgroup(path: string): Promise<void> {
  try {
    mkdirSync(path);
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
      rmdirSync(path);
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
    rmdirSync(path);
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
  let entries;
  try {
    entries = readdirSync(parent, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.filter((entry) => entry.isDirectory()).map((entry) => join(parent, entry.name));
}

/** Whether a cgroup file exists (controllers and kernel versions differ in what they offer). */
export async function fileExists(path: string): Promise<boolean> {
  try {
    accessSync(path);
    return true;
  } catch {
    return false;
  }
}

/** For writes to a cgroup that may have disappeared meanwhile: it then has nothing left to kill. */
export function ignoreGone(err: unknown): void {
  const cause = (err as { cause?: NodeJS.ErrnoException }).cause;
  if (cause?.code !== 'ENOENT') throw err;
}

/** One buffer for every small read: the reads are synchronous, so they never overlap. */
const SMALL_READ = Buffer.alloc(4096);

/**
 * A whole cgroup file as text, or undefined when it cannot be read (the
 * cgroup is gone, the kernel lacks the file). Three system calls (open,
 * one read, close) for the small files these almost always are, where
 * readFileSync makes five (it also asks fstat for a size, which cgroupfs
 * reports as 0, and reads again to see the end); a file that fills the
 * buffer is read again whole.
 */
function readOrUndefined(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const length = readSync(fd, SMALL_READ, 0, SMALL_READ.length, null);
    return length < SMALL_READ.length ? SMALL_READ.toString('utf8', 0, length) : readFileSync(path, 'utf8');
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
