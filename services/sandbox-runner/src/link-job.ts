/**
 * What each entry of a {@link LinkJob} becomes. A plain object, not an
 * enum (type stripping), and mirrored as literals inside
 * {@link runLinkJob}, which may not refer to anything outside itself.
 */
export const LINK_ENTRY_KIND = {
  /** A hard link to a blob file (its path follows the name). */
  link: 0,
  /** A new empty file, mode 0444. */
  emptyFile: 1,
  /** A new empty file, mode 0555. */
  emptyExecutable: 2,
  /** A symlink (its target follows the name). */
  symlink: 3,
} as const;

/**
 * An input tree flattened for creation on any thread: a few typed arrays
 * and one string, which cost a memory copy to send to a worker where 20,000
 * separate strings would cost a structured clone each.
 *
 * Directories are in the loader's breadth-first order, so a directory's
 * parent always comes before it.
 */
export interface LinkJob {
  /** Absolute; created by the job, so it must not exist while its parent must. */
  readonly target: string;
  /** Mode every directory gets (chmod after mkdir, so the umask does not apply). */
  readonly directoryMode: number;
  /**
   * NUL-separated (no name, path or symlink target can hold a NUL): for each
   * directory its path relative to `target` ('' for the root), then for each
   * of its entries the name and, for links and symlinks, the blob path or
   * the symlink target.
   */
  readonly strings: string;
  /** Per directory: the index of its parent directory, -1 for the root. */
  readonly parents: Int32Array;
  /** Per directory: the index in `strings` of its path. */
  readonly firstString: Int32Array;
  /** Per directory and one more: the index of its first entry in `kinds`. */
  readonly firstEntry: Int32Array;
  /** Per entry: a {@link LINK_ENTRY_KIND} value. */
  readonly kinds: Uint8Array;
}

/** The first thing a job could not create. */
export interface LinkJobFailure {
  /** The directory being made, or whose entry was. */
  readonly directory: number;
  /** The entry's index in `kinds`; -1 when creating the directory itself failed. */
  readonly entry: number;
  /** The errno name (`ENOENT`, `ENOSPC`, ...) when there is one. */
  readonly code: string | undefined;
  readonly message: string;
}

/** What one thread's share of a job did. */
export interface LinkJobResult {
  /** Entries whose bytes were copied because a hard link was impossible (EMLINK, EXDEV). */
  readonly copied: number[];
  /** Set when this thread hit an error; the job then stops everywhere. */
  readonly failure: LinkJobFailure | undefined;
}

/** The synchronous `node:fs` calls a job makes; tests substitute failures. */
export interface LinkFileSystem {
  mkdirSync(path: string, mode: number): unknown;
  chmodSync(path: string, mode: number): void;
  linkSync(existingPath: string, newPath: string): void;
  copyFileSync(source: string, destination: string, mode: number): void;
  openSync(path: string, flags: string, mode: number): number;
  closeSync(fd: number): void;
  symlinkSync(target: string, path: string): void;
  readonly constants: { readonly COPYFILE_FICLONE: number };
}

/** Words of a job's shared state before the per-directory flags. */
export const LINK_STATE_HEADER = 2;

/** A fresh state for `job`: an Int32Array over shared memory when `shared`, for threads to claim directories from. */
export function newLinkJobState(job: LinkJob, shared: boolean): Int32Array {
  const words = LINK_STATE_HEADER + job.parents.length;
  return new Int32Array(shared ? new SharedArrayBuffer(words * 4) : new ArrayBuffer(words * 4));
}

/**
 * Creates the directories of `job` it claims, and their entries, until none
 * are left or any thread failed. Any number of threads may run it on the
 * same job and `state` at once: each claims the next directory from the
 * shared counter (word 0), waits until that directory's parent is made
 * (its flag: 0 pending, 1 made, 2 failed or abandoned), and raises the
 * abort word (1) on failure, so the others stop after at most one entry.
 * A directory claimed earlier never waits for one claimed later, so no
 * wait can be circular; a thread that dies without marking its directory
 * must have the abort word raised and the flags notified for it
 * ({@link abortLinkJob}), which wakes its waiters.
 *
 * Returns only once this thread has stopped touching `job.target`.
 *
 * Self-contained on purpose: worker threads run its source text (from
 * `Function.prototype.toString`), so it refers only to its parameters and
 * globals; that works unchanged in the esbuild bundle of the standalone
 * server, where no separate worker file exists.
 */
export function runLinkJob(job: LinkJob, state: Int32Array, fs: LinkFileSystem): LinkJobResult {
  const NEXT = 0;
  const ABORT = 1;
  const FLAGS = 2;
  const MADE = 1;
  const FAILED = 2;
  const strings = job.strings.split('\0');
  const copied: number[] = [];
  const directories = job.parents.length;
  const errnoOf = (err: unknown): string | undefined =>
    typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : undefined;
  const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
  const finish = (directory: number, flag: number): void => {
    Atomics.store(state, FLAGS + directory, flag);
    Atomics.notify(state, FLAGS + directory);
  };
  for (;;) {
    if (Atomics.load(state, ABORT) !== 0) return { copied, failure: undefined };
    const d = Atomics.add(state, NEXT, 1);
    if (d >= directories) return { copied, failure: undefined };
    const parent = job.parents[d]!;
    if (parent >= 0) {
      while (Atomics.load(state, FLAGS + parent) === 0 && Atomics.load(state, ABORT) === 0) {
        // Timed only as a safety net: finish() and abortLinkJob() notify.
        Atomics.wait(state, FLAGS + parent, 0, 100);
      }
      if (Atomics.load(state, FLAGS + parent) !== MADE) {
        finish(d, FAILED);
        return { copied, failure: undefined };
      }
    }
    let s = job.firstString[d]!;
    const relative = strings[s++]!;
    const dir = relative === '' ? job.target : `${job.target}/${relative}`;
    let entry = -1;
    try {
      fs.mkdirSync(dir, 0o755);
      fs.chmodSync(dir, job.directoryMode);
      const end = job.firstEntry[d + 1]!;
      for (entry = job.firstEntry[d]!; entry < end; entry++) {
        if ((entry & 63) === 0 && Atomics.load(state, ABORT) !== 0) {
          finish(d, FAILED);
          return { copied, failure: undefined };
        }
        const kind = job.kinds[entry]!;
        const path = `${dir}/${strings[s++]!}`;
        if (kind === 0) {
          const source = strings[s++]!;
          try {
            fs.linkSync(source, path);
          } catch (err) {
            const code = errnoOf(err);
            // The blob has the filesystem's maximum of links, or the CAS is elsewhere: copy (counted).
            if (code !== 'EMLINK' && code !== 'EXDEV') throw err;
            fs.copyFileSync(source, path, fs.constants.COPYFILE_FICLONE);
            copied.push(entry);
          }
        } else if (kind === 1 || kind === 2) {
          fs.closeSync(fs.openSync(path, 'wx', kind === 2 ? 0o555 : 0o444));
        } else {
          fs.symlinkSync(strings[s++]!, path);
        }
      }
    } catch (err) {
      Atomics.store(state, ABORT, 1);
      finish(d, FAILED);
      return { copied, failure: { directory: d, entry, code: errnoOf(err), message: messageOf(err) } };
    }
    finish(d, MADE);
  }
}

/** Stops every thread running `job` on `state` and wakes those waiting for a directory (for a thread that died). */
export function abortLinkJob(state: Int32Array): void {
  Atomics.store(state, 1, 1);
  for (let i = LINK_STATE_HEADER; i < state.length; i++) Atomics.notify(state, i);
}
