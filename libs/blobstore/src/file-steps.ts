import { chmodSync, chownSync, closeSync, constants, copyFileSync, fstatSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import { chmod, chown, copyFile, open, rename, rm } from 'node:fs/promises';
import { Digest, type DigestFunction } from '@actiond/digest';
import { hashFile } from './hash-file.ts';

/**
 * Blobs up to this size are stored, read and adopted with direct system
 * calls rather than through libuv's thread pool. For a small file each
 * pooled call (a thread wake-up and an event-loop turn, on a busy machine a
 * context switch each way) costs more than the system call itself, and one
 * trivial Execute makes dozens of them (bench/RESULTS.md). Bigger files keep
 * the pool, so that hashing or copying them never stalls the event loop:
 * 64 KiB hash in about 0.1 ms.
 */
export const SMALL_FILE_BYTES = 64 * 1024;

/** What a file turned out to be when opened for hashing. */
export type HashedFile =
  | { readonly kind: 'file'; readonly digest: Digest }
  | { readonly kind: 'other'; readonly description: string };

/**
 * The file-system steps of storing and adopting a blob, in two
 * implementations with the same contract: {@link DIRECT_STEPS} (system calls
 * made at once, for small files) and {@link POOLED_STEPS} (the thread pool).
 * Both reject with the Node.js fs error of the step that failed.
 */
export interface FileSteps {
  rename(from: string, to: string): Promise<void>;
  /** A copy (a reflink where the filesystem can). */
  copy(from: string, to: string): Promise<void>;
  /** Removes a file; one that does not exist is fine. */
  remove(path: string): Promise<void>;
  chown(path: string, uid: number, gid: number): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  /** Opens `path` and hashes it if it is a regular file (the size is what was read). */
  hash(path: string, digestFunction: DigestFunction): Promise<HashedFile>;
}

const COPY_FLAGS = constants.COPYFILE_FICLONE;

/** Each step a direct system call; for files up to {@link SMALL_FILE_BYTES}. */
export const DIRECT_STEPS: FileSteps = {
  rename: async (from, to) => renameSync(from, to),
  copy: async (from, to) => copyFileSync(from, to, COPY_FLAGS),
  remove: async (path) => rmSync(path, { force: true }),
  chown: async (path, uid, gid) => chownSync(path, uid, gid),
  chmod: async (path, mode) => chmodSync(path, mode),
  hash: async (path, digestFunction) => {
    const fd = openSync(path, 'r');
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile()) return { kind: 'other', description: describeType(stat) };
      const hasher = digestFunction.createHasher();
      const buffer = Buffer.allocUnsafe(Math.min(Math.max(stat.size, 1), SMALL_FILE_BYTES));
      let position = 0;
      for (;;) {
        const read = readSync(fd, buffer, 0, buffer.length, position);
        if (read === 0) break;
        hasher.update(buffer.subarray(0, read));
        position += read;
      }
      return { kind: 'file', digest: Digest.parse(hasher.digestHex(), position, digestFunction) };
    } finally {
      closeSync(fd);
    }
  },
};

/** Each step through the thread pool; for big files, which must not stall the event loop. */
export const POOLED_STEPS: FileSteps = {
  rename,
  copy: (from, to) => copyFile(from, to, COPY_FLAGS),
  remove: (path) => rm(path, { force: true }),
  chown,
  chmod,
  hash: async (path, digestFunction) => {
    const handle = await open(path, 'r');
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) return { kind: 'other', description: describeType(stat) };
      return { kind: 'file', digest: await hashFile(handle, digestFunction) };
    } finally {
      await handle.close().catch(() => {});
    }
  },
};

/** The steps for a file of `size` bytes. */
export function fileSteps(size: number): FileSteps {
  return size <= SMALL_FILE_BYTES ? DIRECT_STEPS : POOLED_STEPS;
}

/** "a directory", "a symbolic link" or "a special file", for messages. */
export function describeType(stat: { isDirectory(): boolean; isSymbolicLink(): boolean }): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  return 'a special file';
}
