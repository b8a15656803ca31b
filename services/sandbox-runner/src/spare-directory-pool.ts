import { chmodSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Spares kept by default: a few actions' output parents (Bazel's `bazel-out/<config>/bin` is three) per running action. */
export const DEFAULT_MAX_SPARE_DIRECTORIES = 64;

/**
 * Empty directories of one mode, reused from action to action instead of
 * made and removed each time: an action's output parents (`bazel-out`,
 * `k8-fastbuild`, `bin`, ...) are made before it runs, and after it they are
 * moved back here rather than removed with its execroot. On this machine's
 * ext4 (no journal) every new inode costs 0.2-1.5 ms of CPU: the allocator
 * skips each inode of the group freed in the last minute (the kernel's
 * `recently_deleted`), so every directory made and removed per action also
 * makes the next creations dearer; a rename costs tens of microseconds.
 *
 * A directory is taken back only when it is empty and still a directory of
 * the pool's mode owned by the pool's owner and group: the action never
 * runs as root, so in a root-owned sticky directory it can add entries but
 * cannot change the mode, owner, ACL or user xattrs, and added entries make
 * it non-empty. The caller must make sure nothing of the action still runs
 * (its cgroup emptied) before it calls `reclaim`.
 *
 * Single-threaded: every call is synchronous on the server's thread.
 */
export class SpareDirectoryPool {
  readonly #directory: string;
  readonly #mode: number;
  readonly #maxSpares: number;
  readonly #spares: string[] = [];
  #owner: { uid: number; gid: number } | undefined;
  #next = 0;

  /**
   * `directory` holds the spares: on the filesystem of the directories it
   * makes (spares move by rename), made by {@link SpareDirectoryPool.prepare}.
   * `mode` is the permission bits (with sticky, setuid, setgid) every
   * directory it makes has.
   */
  constructor(directory: string, mode: number, maxSpares = DEFAULT_MAX_SPARE_DIRECTORIES) {
    if (!Number.isInteger(maxSpares) || maxSpares < 0) throw new RangeError(`maxSpares must be a non-negative integer, not ${maxSpares}`);
    this.#directory = directory;
    this.#mode = mode;
    this.#maxSpares = maxSpares;
  }

  /** Creates the pool's directory (0700), removing whatever an earlier server left in it, and forgets every spare. */
  prepare(): void {
    rmSync(this.#directory, { recursive: true, force: true });
    mkdirSync(this.#directory, { recursive: true, mode: 0o700 });
    // A directory made next to the spares gets the owner a made one would get.
    const info = lstatSync(this.#directory);
    this.#owner = { uid: info.uid, gid: info.gid };
    this.#spares.length = 0;
  }

  /** How many spares are waiting. */
  get size(): number {
    return this.#spares.length;
  }

  /**
   * Makes an empty directory of the pool's mode at `path`, which must not
   * exist and whose parent must: a spare renamed there, else a new one.
   * Throws what mkdir(2) throws when neither works.
   */
  make(path: string): void {
    const spare = this.#spares.pop();
    if (spare !== undefined) {
      try {
        renameSync(spare, path);
        return;
      } catch {
        // The parent is missing or not a directory: mkdir below says so. The spare is still good.
        this.#spares.push(spare);
      }
    }
    mkdirSync(path, 0o700);
    chmodSync(path, this.#mode);
  }

  /**
   * Takes back directories `make` made, children before their parents:
   * each one that is empty (its children taken back already) and unchanged
   * in mode and owner moves into the pool; any other stays where it is for
   * its caller to remove, as do all beyond the pool's limit. Never throws:
   * a directory that cannot be taken back is simply left.
   */
  reclaim(childrenFirst: readonly string[]): void {
    const owner = this.#owner;
    if (owner === undefined) return;
    for (const path of childrenFirst) {
      if (this.#spares.length >= this.#maxSpares) return;
      try {
        const info = lstatSync(path);
        if (!info.isDirectory() || (info.mode & 0o7777) !== this.#mode || info.uid !== owner.uid || info.gid !== owner.gid) continue;
        if (readdirSync(path).length !== 0) continue;
        const spare = join(this.#directory, String(this.#next++));
        renameSync(path, spare);
        this.#spares.push(spare);
      } catch {
        // Gone, or not movable: it stays for the caller's removal.
      }
    }
  }
}
