import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, writeFileSync } from 'node:fs';
import {
  chmod,
  copyFile,
  lstat,
  mkdir,
  open,
  readdir,
  rename,
  rm,
  writeFile,
  type FileHandle,
} from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { type Digest, type DigestFunction, DigestSet, SHA256 } from '@actiond/digest';
import { ActiondError } from '@actiond/status';
import type { BlobAccess, BlobWrite, ReadOptions } from './blob-access.ts';
import type { BlobFiles, ExecutableBlobFile } from './blob-files.ts';
import { BlobWriter } from './blob-writer.ts';
import { DiskLayout, SHARDS } from './disk-layout.ts';
import { ExistenceIndex } from './existence-index.ts';
import type { ExistenceIndexLookup } from './existence-index-lookup.ts';
import { DIRECT_STEPS, describeType, fileSteps, SMALL_FILE_BYTES, type FileSteps } from './file-steps.ts';
import { errnoCode, fileSystemError } from './file-system-error.ts';
import { TempDirectory } from './temp-directory.ts';

/** Where and for which digest function {@link DiskBlobAccess.open} opens a store. */
export interface DiskBlobAccessOptions {
  /** The CAS directory, conventionally `<root>/cas`; created if missing. */
  readonly directory: string;
  /** SHA256 unless given. */
  readonly digestFunction?: DigestFunction;
}

/** Counters a {@link DiskBlobAccess} keeps, for logs and metrics. */
export interface DiskBlobAccessStats {
  /** Blobs stored (the empty blob included). */
  readonly blobs: number;
  /** Executable copies created by {@link DiskBlobAccess.executablePathOf}. */
  readonly executableCopies: number;
  /** Files {@link DiskBlobAccess.adoptFile} had to copy instead of rename. */
  readonly adoptCopies: number;
  /** Stale temp files removed at open (left by a crashed or killed process). */
  readonly staleTempFilesRemoved: number;
}

const DEFAULT_CHUNK_BYTES = 64 * 1024;

/**
 * The CAS on local disk: one read-only file per blob, an in-memory existence index,
 * and hardlink/rename access for the execution service.
 *
 * Layout (see {@link DiskLayout}) under the directory, conventionally `<root>/cas`:
 * `sha256/<hash[0:2]>/<hash>-<size>` per blob (mode 0444, owned by the server's user,
 * never modified in place), `executable/sha256/...` for 0555 copies, `tmp/` for
 * writes in progress. The size is in the name so the index is built at open from
 * 256 directory listings without a stat per file.
 *
 * Atomicity: every blob is written to `tmp/` (same filesystem), verified (size and
 * hash), then renamed to its final name. A crash or kill -9 at any point leaves
 * either no file under the digest name or the complete verified one; leftovers in
 * `tmp/` are removed by the next open. Two writers of the same blob both rename; the
 * second replaces identical content, and existing hardlinks keep the first inode.
 *
 * Durability: no fsync. This is a cache whose clients hold the source of truth
 * (Bazel re-uploads whatever FindMissingBlobs or a FAILED_PRECONDITION reports as
 * missing), and an fsync per blob would cost milliseconds on each of a build's many
 * small blobs. Process crashes lose nothing written (the page cache survives); a
 * kernel crash or power loss may leave a renamed file shorter than its name says
 * (delayed allocation), which reads detect by size and report as DATA_LOSS after
 * removing the file, so the client re-uploads it. Content damage that keeps the size
 * is not detected on read (that would mean hashing every read).
 */
export class DiskBlobAccess implements BlobAccess, BlobFiles, ExistenceIndexLookup {
  readonly digestFunction: DigestFunction;
  /** Where the files are. */
  readonly layout: DiskLayout;
  readonly #index: ExistenceIndex;
  readonly #temp: TempDirectory;
  readonly #empty: Digest;
  /** Keys of blobs whose executable copy is known to exist. */
  readonly #executables = new Set<string>();
  readonly #executablesInFlight = new Map<string, Promise<ExecutableBlobFile>>();
  #executableCopies = 0;
  #adoptCopies = 0;

  private constructor(layout: DiskLayout, index: ExistenceIndex, temp: TempDirectory) {
    this.layout = layout;
    this.digestFunction = layout.digestFunction;
    this.#index = index;
    this.#temp = temp;
    this.#empty = layout.digestFunction.emptyDigest;
  }

  /**
   * Opens (creating if needed) the store in `options.directory`: creates the blob
   * shard directories, removes stale temp files, indexes the blobs by listing the shards,
   * and makes sure the empty blob's file exists.
   */
  static async open(options: DiskBlobAccessOptions): Promise<DiskBlobAccess> {
    const layout = new DiskLayout(options.directory, options.digestFunction ?? SHA256);
    const index = new ExistenceIndex({ hashLengthHex: layout.digestFunction.hashLengthHex });
    let temp: TempDirectory;
    try {
      await mkdir(layout.entriesDirectory, { recursive: true });
      await Promise.all(SHARDS.map((shard) => mkdir(join(layout.entriesDirectory, shard), { recursive: true })));
      temp = await TempDirectory.open(layout.tempDirectory);
      await Promise.all(
        SHARDS.map(async (shard) => {
          for (const name of await readdir(join(layout.entriesDirectory, shard))) {
            const entry = layout.parseEntryName(shard, name);
            if (entry !== undefined) index.add(entry.hash, entry.sizeBytes);
          }
        }),
      );
    } catch (err) {
      throw fileSystemError(err, `opening the CAS in ${layout.directory}`);
    }
    const store = new DiskBlobAccess(layout, index, temp);
    await store.#ensureEmptyBlob();
    return store;
  }

  /** Counters for logs and metrics. */
  get stats(): DiskBlobAccessStats {
    return {
      blobs: this.#index.count,
      executableCopies: this.#executableCopies,
      adoptCopies: this.#adoptCopies,
      staleTempFilesRemoved: this.#temp.staleRemoved,
    };
  }

  async findMissing(digests: Iterable<Digest>): Promise<DigestSet> {
    // Filtering a set needs no deduplication; for anything else only the (usually
    // few) missing digests are deduplicated.
    if (digests instanceof DigestSet) return digests.filter((digest) => !this.#index.has(digest));
    const missing: Digest[] = [];
    for (const digest of digests) if (!this.#index.has(digest)) missing.push(digest);
    return DigestSet.of(missing);
  }

  /** From the index, as findMissing answers; the hash is checked lowercase hex of this store's function's length. */
  hasHexDigest(bytes: Uint8Array, start: number, sizeBytes: number): boolean {
    return this.#index.hasHex(bytes, start, this.digestFunction.hashLengthHex, sizeBytes);
  }

  async get(digest: Digest): Promise<Buffer> {
    if (digest.equals(this.#empty)) return Buffer.alloc(0);
    if (digest.sizeBytes <= SMALL_FILE_BYTES) return this.#getSmall(digest);
    const handle = await this.#openBlob(digest);
    try {
      return await handle.readFile();
    } catch (err) {
      throw fileSystemError(err, `reading blob ${digest}`);
    } finally {
      await handle.close().catch(() => {});
    }
  }

  async read(digest: Digest, options: ReadOptions = {}): Promise<Readable> {
    const offset = checkCount(options.offset ?? 0, 'read offset', digest);
    const limit = checkCount(options.limit ?? 0, 'read limit', digest);
    const chunk = checkCount(options.chunkSizeBytes ?? DEFAULT_CHUNK_BYTES, 'read chunk size', digest);
    if (chunk === 0) throw ActiondError.invalidArgument(`read chunk size for blob ${digest} must be positive`);
    if (digest.equals(this.#empty)) {
      if (offset > 0) throw outOfRange(offset, digest);
      return Readable.from([]);
    }
    const handle = await this.#openBlob(digest);
    const size = digest.sizeBytes;
    if (offset > size) {
      await handle.close().catch(() => {});
      throw outOfRange(offset, digest);
    }
    const length = limit > 0 ? Math.min(limit, size - offset) : size - offset;
    if (length === 0) {
      await handle.close().catch(() => {});
      return Readable.from([]);
    }
    return handle.createReadStream({ start: offset, end: offset + length - 1, highWaterMark: chunk, autoClose: true });
  }

  async put(digest: Digest, data: Uint8Array): Promise<void> {
    const actual = this.digestFunction.compute(data);
    if (!actual.equals(digest)) {
      throw ActiondError.invalidArgument(
        `blob content does not match its digest: expected ${digest}, got ${actual}; nothing was stored`,
      );
    }
    if (this.#index.has(digest)) return;
    const temp = this.#temp.newPath('put');
    const steps = fileSteps(data.length);
    try {
      if (steps === DIRECT_STEPS) writeFileSync(temp, data, { flag: 'wx', mode: 0o600 });
      else await writeFile(temp, data, { flag: 'wx', mode: 0o600 });
      await steps.chmod(temp, 0o444);
      await this.#install(temp, digest, steps);
    } catch (err) {
      await steps.remove(temp).catch(() => {});
      throw fileSystemError(err, `storing blob ${digest}`);
    }
  }

  async beginWrite(digest: Digest): Promise<BlobWrite> {
    if (this.#index.has(digest)) return BlobWriter.completed(digest);
    return BlobWriter.create(digest, this.digestFunction, this.#temp.newPath('write'), (temp, d) =>
      this.#install(temp, d),
    );
  }

  pathOf(digest: Digest): string {
    if (!this.#index.has(digest)) throw notFound(digest);
    return this.layout.entryPath(digest);
  }

  executablePathOf(digest: Digest): Promise<ExecutableBlobFile> {
    if (!this.#index.has(digest)) return Promise.reject(notFound(digest));
    const key = digest.key;
    if (this.#executables.has(key)) {
      return Promise.resolve({ path: this.layout.executablePath(digest), copied: false });
    }
    let pending = this.#executablesInFlight.get(key);
    if (pending === undefined) {
      pending = this.#createExecutable(digest).finally(() => this.#executablesInFlight.delete(key));
      this.#executablesInFlight.set(key, pending);
    }
    return pending;
  }

  async adoptFile(path: string, expected?: Digest): Promise<Digest> {
    let source;
    try {
      // One system call, whatever the size: it tells which steps to use.
      source = lstatSync(path);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw ActiondError.notFound(`cannot adopt ${path} into the CAS: it does not exist`);
      throw fileSystemError(err, `adopting ${path} into the CAS`);
    }
    if (!source.isFile()) {
      throw ActiondError.invalidArgument(`cannot adopt ${path} into the CAS: it is ${describeType(source)}, not a regular file`);
    }
    const steps = fileSteps(source.size);
    const uid = process.geteuid?.() ?? 0;
    const gid = process.getegid?.() ?? 0;
    const canOwn = uid === 0 || source.uid === uid;
    const temp = this.#temp.newPath('adopt');
    // Renaming moves the inode, so it needs the only name of the file (another name
    // could still write to the blob) and the right to make it ours (read-only, our owner).
    let moved = false;
    if (source.nlink === 1 && canOwn) {
      try {
        await steps.rename(path, temp);
        moved = true;
      } catch (err) {
        if (errnoCode(err) !== 'EXDEV') throw fileSystemError(err, `moving ${path} into the CAS`);
      }
    }
    if (!moved) {
      try {
        await steps.copy(path, temp);
      } catch (err) {
        await steps.remove(temp).catch(() => {});
        throw fileSystemError(err, `copying ${path} into the CAS`);
      }
    }
    const putBack = (): Promise<void> => (moved ? steps.rename(temp, path) : steps.remove(temp));

    let digest: Digest;
    try {
      const hashed = await steps.hash(temp, this.digestFunction);
      if (hashed.kind !== 'file') {
        throw ActiondError.invalidArgument(`cannot adopt ${path} into the CAS: it was replaced by ${hashed.description} while being adopted`);
      }
      digest = hashed.digest;
      if (expected !== undefined && !expected.equals(digest)) {
        throw ActiondError.invalidArgument(
          `file ${path} does not match its expected digest: expected ${expected}, got ${digest}; it was left in place`,
        );
      }
      if (!this.#index.has(digest)) {
        if (moved && uid === 0 && (source.uid !== uid || source.gid !== gid)) {
          await steps.chown(temp, uid, gid);
        }
        await steps.chmod(temp, 0o444);
      }
    } catch (err) {
      await putBack().catch(() => {});
      throw fileSystemError(err, `adopting ${path} into the CAS`);
    }
    if (this.#index.has(digest)) {
      await steps.remove(temp).catch(() => {});
    } else {
      try {
        await this.#install(temp, digest, steps);
      } catch (err) {
        await putBack().catch(() => {});
        throw fileSystemError(err, `adopting ${path} into the CAS as blob ${digest}`);
      }
    }
    if (!moved) {
      this.#adoptCopies++;
      await steps.remove(path).catch(() => {});
    }
    return digest;
  }

  /** Renames a verified, read-only temp file to the blob's name and indexes it. */
  async #install(tempPath: string, digest: Digest, steps: FileSteps = fileSteps(digest.sizeBytes)): Promise<void> {
    await steps.rename(tempPath, this.layout.entryPath(digest));
    this.#index.add(digest.hash, digest.sizeBytes);
  }

  /**
   * {@link DiskBlobAccess.get} of a blob up to SMALL_FILE_BYTES, with direct
   * system calls; the same checks as #openBlob: a missing file is NOT_FOUND
   * (and unindexed), a wrong size DATA_LOSS (and the file is removed).
   */
  async #getSmall(digest: Digest): Promise<Buffer> {
    if (!this.#index.has(digest)) throw notFound(digest);
    let fd: number;
    try {
      fd = openSync(this.layout.entryPath(digest), 'r');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') {
        this.#index.remove(digest);
        throw ActiondError.notFound(`blob ${digest} is not in the CAS (its file has disappeared)`);
      }
      throw fileSystemError(err, `opening blob ${digest}`);
    }
    const data = Buffer.allocUnsafe(digest.sizeBytes);
    let size: number;
    let inode: number;
    try {
      const stat = fstatSync(fd);
      inode = stat.ino;
      size = stat.size;
      if (size === digest.sizeBytes) {
        // Read what is there: a file cut short meanwhile is damaged too.
        size = 0;
        while (size < data.length) {
          const n = readSync(fd, data, size, data.length - size, size);
          if (n === 0) break;
          size += n;
        }
      }
    } catch (err) {
      throw fileSystemError(err, `reading blob ${digest}`);
    } finally {
      closeSync(fd);
    }
    if (size !== digest.sizeBytes) {
      await this.#removeDamaged(digest, inode);
      throw ActiondError.dataLoss(
        `blob ${digest} was damaged on disk (${size} bytes instead of ${digest.sizeBytes}) and has been removed; upload it again`,
      );
    }
    return data;
  }

  /**
   * Opens an indexed blob for reading after checking its size on disk. A missing
   * file is NOT_FOUND (and unindexed); a wrong size is DATA_LOSS and the file is removed.
   */
  async #openBlob(digest: Digest): Promise<FileHandle> {
    if (!this.#index.has(digest)) throw notFound(digest);
    const path = this.layout.entryPath(digest);
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') {
        this.#index.remove(digest);
        throw ActiondError.notFound(`blob ${digest} is not in the CAS (its file has disappeared)`);
      }
      throw fileSystemError(err, `opening blob ${digest}`);
    }
    let stat;
    try {
      stat = await handle.stat();
    } catch (err) {
      await handle.close().catch(() => {});
      throw fileSystemError(err, `opening blob ${digest}`);
    }
    if (stat.size !== digest.sizeBytes) {
      await handle.close().catch(() => {});
      await this.#removeDamaged(digest, stat.ino);
      throw ActiondError.dataLoss(
        `blob ${digest} was damaged on disk (${stat.size} bytes instead of ${digest.sizeBytes}) and has been removed; upload it again`,
      );
    }
    return handle;
  }

  /** Drops a damaged blob, unless its name was meanwhile given to a fresh, good copy (another inode). */
  async #removeDamaged(digest: Digest, damagedInode: number): Promise<void> {
    const path = this.layout.entryPath(digest);
    const current = await lstat(path).catch(() => undefined);
    if (current !== undefined && current.ino !== damagedInode) return;
    this.#index.remove(digest);
    this.#executables.delete(digest.key);
    await rm(path, { force: true }).catch(() => {});
    await rm(this.layout.executablePath(digest), { force: true }).catch(() => {});
  }

  async #createExecutable(digest: Digest): Promise<ExecutableBlobFile> {
    const path = this.layout.executablePath(digest);
    const existing = await lstat(path).catch(() => undefined);
    if (existing !== undefined && existing.isFile() && existing.size === digest.sizeBytes && (existing.mode & 0o777) === 0o555) {
      this.#executables.add(digest.key);
      return { path, copied: false };
    }
    // Verifies the size (DATA_LOSS if damaged) before anything is copied from it.
    const handle = await this.#openBlob(digest);
    await handle.close().catch(() => {});
    const temp = this.#temp.newPath('executable');
    try {
      // Executable shards are created on demand: most blobs never need a copy.
      await mkdir(dirname(path), { recursive: true });
      await copyFile(this.layout.entryPath(digest), temp, constants.COPYFILE_FICLONE);
      await chmod(temp, 0o555);
      await rename(temp, path);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => {});
      throw fileSystemError(err, `creating the executable copy of blob ${digest}`);
    }
    this.#executableCopies++;
    this.#executables.add(digest.key);
    return { path, copied: true };
  }

  async #ensureEmptyBlob(): Promise<void> {
    const empty = this.#empty;
    const path = this.layout.entryPath(empty);
    const existing = await lstat(path).catch(() => undefined);
    if (existing === undefined || !existing.isFile() || existing.size !== 0) {
      const temp = this.#temp.newPath('empty');
      try {
        await writeFile(temp, new Uint8Array(0), { flag: 'wx', mode: 0o600 });
        await chmod(temp, 0o444);
        await rename(temp, path);
      } catch (err) {
        await rm(temp, { force: true }).catch(() => {});
        throw fileSystemError(err, `creating the empty blob ${empty}`);
      }
    }
    this.#index.add(empty.hash, 0);
  }
}

function notFound(digest: Digest): ActiondError {
  return ActiondError.notFound(`blob ${digest} is not in the CAS`);
}

function outOfRange(offset: number, digest: Digest): ActiondError {
  return ActiondError.outOfRange(`read offset ${offset} is beyond the end of blob ${digest} (${digest.sizeBytes} bytes)`);
}

function checkCount(value: number, what: string, digest: Digest): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw ActiondError.invalidArgument(`${what} ${value} for blob ${digest} must be a non-negative integer`);
  }
  return value;
}
