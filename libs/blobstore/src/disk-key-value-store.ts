import { closeSync, fstatSync, openSync, readSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Digest, type DigestFunction, SHA256 } from '@actiond/digest';
import { DiskLayout, SHARDS } from './disk-layout.ts';
import { DIRECT_STEPS, fileSteps, SMALL_FILE_BYTES } from './file-steps.ts';
import { errnoCode, fileSystemError } from './file-system-error.ts';
import { TempDirectory } from './temp-directory.ts';

/** Where and for which digest function {@link DiskKeyValueStore.open} opens a store. */
export interface DiskKeyValueStoreOptions {
  /** The store's directory, conventionally `<root>/ac`; created if missing. */
  readonly directory: string;
  /** SHA256 unless given. */
  readonly digestFunction?: DigestFunction;
}

/**
 * Small values keyed by digest, one file each, replaced atomically: the ActionCache
 * (key: Action digest, value: serialized ActionResult). Unlike the CAS, values are
 * not the content of their key and may be overwritten.
 *
 * Layout (see {@link DiskLayout}): `<dir>/sha256/<hash[0:2]>/<hash>-<size>`, temp
 * files in `<dir>/tmp/`. A put writes a temp file and renames it over the old value,
 * so readers see the old or the new value, never a mix, and a crash leaves at worst
 * a temp file that the next open removes. No fsync, for the reasons given on
 * DiskBlobAccess: a lost entry is a cache miss, and the client re-executes.
 * Values up to SMALL_FILE_BYTES (nearly all ActionResults) are read and
 * written with direct system calls (file-steps.ts says why).
 */
export class DiskKeyValueStore {
  /** Where the files are. */
  readonly layout: DiskLayout;
  readonly #temp: TempDirectory;

  private constructor(layout: DiskLayout, temp: TempDirectory) {
    this.layout = layout;
    this.#temp = temp;
  }

  /** Opens (creating if needed) the store and removes stale temp files. */
  static async open(options: DiskKeyValueStoreOptions): Promise<DiskKeyValueStore> {
    const layout = new DiskLayout(options.directory, options.digestFunction ?? SHA256);
    try {
      await mkdir(layout.entriesDirectory, { recursive: true });
      await Promise.all(SHARDS.map((shard) => mkdir(join(layout.entriesDirectory, shard), { recursive: true })));
      return new DiskKeyValueStore(layout, await TempDirectory.open(layout.tempDirectory));
    } catch (err) {
      throw fileSystemError(err, `opening the store in ${layout.directory}`);
    }
  }

  /** The value stored under `key`, or undefined. */
  async get(key: Digest): Promise<Buffer | undefined> {
    const path = this.layout.entryPath(key);
    try {
      const fd = openSync(path, 'r');
      let small: Buffer | undefined;
      try {
        const size = fstatSync(fd).size;
        if (size <= SMALL_FILE_BYTES) {
          small = Buffer.allocUnsafe(size);
          let read = 0;
          while (read < size) {
            const n = readSync(fd, small, read, size - read, read);
            if (n === 0) break;
            read += n;
          }
          small = small.subarray(0, read);
        }
      } finally {
        closeSync(fd);
      }
      // A big value is read through the thread pool, not to stall the event loop.
      return small ?? (await readFile(path));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw fileSystemError(err, `reading the entry for ${key}`);
    }
  }

  /** Stores `value` under `key`, atomically replacing any previous value. */
  async put(key: Digest, value: Uint8Array): Promise<void> {
    const temp = this.#temp.newPath('entry');
    const steps = fileSteps(value.length);
    try {
      if (steps === DIRECT_STEPS) writeFileSync(temp, value, { flag: 'wx', mode: 0o600 });
      else await writeFile(temp, value, { flag: 'wx', mode: 0o600 });
      await steps.chmod(temp, 0o444);
      await steps.rename(temp, this.layout.entryPath(key));
    } catch (err) {
      await steps.remove(temp).catch(() => {});
      throw fileSystemError(err, `storing the entry for ${key}`);
    }
  }

  /** Removes the value under `key`; true if there was one. */
  async delete(key: Digest): Promise<boolean> {
    try {
      await rm(this.layout.entryPath(key));
      return true;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return false;
      throw fileSystemError(err, `removing the entry for ${key}`);
    }
  }
}
