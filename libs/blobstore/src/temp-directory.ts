import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';

/**
 * A private directory for files being written (uploads, adopted outputs, AC entries)
 * before they are renamed to their final name. It lives on the same filesystem as
 * the store, so that rename is atomic.
 *
 * Every temp file name starts with its creator's process identity (pid and kernel
 * start time). Opening removes the files of processes that no longer run: what a
 * crash or kill -9 left behind. Files of live processes, including this one, stay:
 * several stores may be opened in one process (tests), and the start time keeps a
 * recycled pid (a restarted container's pid 1) from protecting a dead process's files.
 *
 * After the tag a name carries the thread and a counter shared by every instance in
 * that thread, which is unique without random bytes: randomBytes cost 0.15 ms of the
 * event loop per call under load (a CPU profile of 600 actions), more than the file
 * it named. Names are created exclusively (`wx`) anyway, so a clash could only fail.
 */
let pathsMade = 0;

export class TempDirectory {
  /** Absolute path of the directory. */
  readonly path: string;
  /** Stale entries removed when the directory was opened. */
  readonly staleRemoved: number;
  readonly #ownTag: string;

  private constructor(path: string, staleRemoved: number, ownTag: string) {
    this.path = path;
    this.staleRemoved = staleRemoved;
    this.#ownTag = ownTag;
  }

  /** Creates the directory (mode 0700) if needed and removes stale entries. */
  static async open(path: string): Promise<TempDirectory> {
    const own = await processTag(process.pid);
    if (own === undefined) {
      throw new Error('cannot read /proc/self/stat: telling stale temp files apart needs Linux procfs');
    }
    await mkdir(path, { recursive: true, mode: 0o700 });
    let removed = 0;
    const liveness = new Map<string, Promise<boolean>>();
    for (const name of await readdir(path)) {
      const tag = /^(\d+)-(\d+)\./.exec(name);
      if (tag !== null && tag[0] === `${own}.`) continue;
      let alive = false;
      if (tag !== null) {
        const key = `${tag[1]}-${tag[2]}`;
        let check = liveness.get(key);
        if (check === undefined) {
          check = processTag(Number(tag[1])).then((current) => current === key);
          liveness.set(key, check);
        }
        alive = await check;
      }
      if (!alive) {
        await rm(join(path, name), { recursive: true, force: true });
        removed++;
      }
    }
    return new TempDirectory(path, removed, own);
  }

  /** A fresh path in this directory that nothing else uses; `purpose` goes into the name for debugging. */
  newPath(purpose: string): string {
    pathsMade++;
    return join(this.path, `${this.#ownTag}.${threadId}-${pathsMade}.${purpose}`);
  }
}

/**
 * `<pid>-<start time>` of a running process, or undefined if it does not run. The
 * start time (field 22 of /proc/<pid>/stat, in clock ticks since boot) tells a
 * process apart from a later one that got the same pid.
 */
async function processTag(pid: number): Promise<string | undefined> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); a zombie has exited and holds no files open.
  if (fields[0] === 'Z') return undefined;
  const startTime = fields[19];
  return startTime === undefined ? undefined : `${pid}-${startTime}`;
}
