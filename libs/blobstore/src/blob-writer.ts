import { open, rm, type FileHandle } from 'node:fs/promises';
import { Digest, type DigestFunction, type Hasher } from '@actiond/digest';
import { ActiondError } from '@actiond/status';
import type { BlobWrite } from './blob-access.ts';
import { DirectFileAppender } from './direct-file-appender.ts';
import { fileSystemError } from './file-system-error.ts';
import { HashingThread, type ThreadHashJob } from './hashing-thread.ts';

/**
 * Makes a verified temp file visible under its digest (the store's rename into place).
 * On failure the temp file is still there and the writer removes it.
 */
export type InstallBlob = (tempPath: string, digest: Digest) => Promise<void>;

type State = 'writing' | 'complete' | 'aborted';

/**
 * Blobs at least this large are written with O_DIRECT (DirectFileAppender):
 * below it the page cache's cost does not matter and a second file handle
 * would.
 */
export const DIRECT_WRITE_MIN_BYTES = 4 * 1024 * 1024;

/**
 * The streaming half of a disk store write (ByteStream Write, BatchUpdateBlobs):
 * bytes go to a temp file created exclusively in the store's temp directory and
 * into a running hash at the same time, so commit needs no second read. Commit
 * checks size and hash, makes the file read-only (0444) and hands it to the store
 * to rename into place. Until then the bytes exist only under the temp name, which
 * the store's next open removes if the process dies.
 *
 * Blobs of DIRECT_WRITE_MIN_BYTES or more are written with O_DIRECT in the
 * background (DirectFileAppender says why) and, for SHA-256, hashed on the
 * HashingThread from the same staging buffers, so the main thread only
 * copies their bytes; a write resolves once its bytes are staged, and
 * commit waits for the file and the hash.
 *
 * Operations run one at a time in call order (a promise chain), so the offset check
 * and the append are atomic with respect to other callers.
 */
export class BlobWriter implements BlobWrite {
  readonly digest: Digest;
  readonly #digestFunction: DigestFunction | undefined;
  readonly #hasher: Hasher | undefined;
  readonly #handle: FileHandle | undefined;
  readonly #tempPath: string;
  readonly #install: InstallBlob | undefined;
  readonly #appender: DirectFileAppender | undefined;
  /** The hash computed on the hashing thread, when the appender feeds it; else #hasher, on this thread. */
  readonly #threadHash: ThreadHashJob | undefined;
  #committed = 0;
  #state: State;
  #abortReason = '';
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(
    digest: Digest,
    state: State,
    digestFunction?: DigestFunction,
    handle?: FileHandle,
    tempPath = '',
    install?: InstallBlob,
    appender?: DirectFileAppender,
    threadHash?: ThreadHashJob,
  ) {
    this.digest = digest;
    this.#state = state;
    this.#digestFunction = digestFunction;
    this.#threadHash = threadHash;
    this.#hasher = threadHash === undefined ? digestFunction?.createHasher() : undefined;
    this.#handle = handle;
    this.#tempPath = tempPath;
    this.#install = install;
    this.#appender = appender;
    if (state === 'complete') this.#committed = digest.sizeBytes;
  }

  /** A writer for a blob that must be uploaded: creates `tempPath` exclusively. */
  static async create(
    digest: Digest,
    digestFunction: DigestFunction,
    tempPath: string,
    install: InstallBlob,
  ): Promise<BlobWriter> {
    let handle: FileHandle;
    try {
      handle = await open(tempPath, 'wx', 0o600);
    } catch (err) {
      throw fileSystemError(err, `creating a temp file for blob ${digest}`);
    }
    if (digest.sizeBytes < DIRECT_WRITE_MIN_BYTES) return new BlobWriter(digest, 'writing', digestFunction, handle, tempPath, install);
    let threadHash = digestFunction.name === 'SHA256' ? HashingThread.shared().startJob('sha256') : undefined;
    const appender = await DirectFileAppender.open(tempPath, handle, threadHash === undefined ? {} : { hash: threadHash });
    if (appender === undefined) {
      threadHash?.drop();
      threadHash = undefined;
    }
    return new BlobWriter(digest, 'writing', digestFunction, handle, tempPath, install, appender, threadHash);
  }

  /** A writer for a blob that is already stored: complete from the start, ignores bytes. */
  static completed(digest: Digest): BlobWriter {
    return new BlobWriter(digest, 'complete');
  }

  get committedSize(): number {
    return this.#committed;
  }

  get complete(): boolean {
    return this.#state === 'complete';
  }

  get aborted(): boolean {
    return this.#state === 'aborted';
  }

  write(data: Uint8Array, offset?: number): Promise<void> {
    return this.#serialize(async () => {
      if (this.#state === 'complete') return;
      this.#assertWriting();
      if (offset !== undefined && offset !== this.#committed) {
        throw ActiondError.invalidArgument(
          `write offset ${offset} for blob ${this.digest} does not match the ${this.#committed} bytes committed so far`,
        );
      }
      const end = this.#committed + data.byteLength;
      if (end > this.digest.sizeBytes) {
        await this.#discard(`more than ${this.digest.sizeBytes} bytes were sent`);
        throw ActiondError.invalidArgument(
          `blob ${this.digest} has ${this.digest.sizeBytes} bytes but at least ${end} bytes were sent; nothing was stored`,
        );
      }
      try {
        if (this.#appender !== undefined) await this.#appender.append(data);
        else await this.#writeAt(data, this.#committed);
      } catch (err) {
        await this.#discard('writing failed');
        throw fileSystemError(err, `writing blob ${this.digest}`);
      }
      this.#hasher?.update(data);
      this.#committed = end;
    });
  }

  commit(): Promise<void> {
    return this.#serialize(async () => {
      if (this.#state === 'complete') return;
      this.#assertWriting();
      let hex: string;
      try {
        await this.#appender?.finish();
        hex = this.#threadHash === undefined ? this.#hasher!.digestHex() : await this.#threadHash.digestHex();
      } catch (err) {
        await this.#discard('writing failed');
        throw fileSystemError(err, `writing blob ${this.digest}`);
      }
      const actual = Digest.parse(hex, this.#committed, this.#digestFunction);
      if (!actual.equals(this.digest)) {
        await this.#discard('its content did not match the digest');
        throw ActiondError.invalidArgument(
          `uploaded content does not match its digest: expected ${this.digest}, got ${actual}; nothing was stored`,
        );
      }
      try {
        await this.#handle!.chmod(0o444);
        await this.#handle!.close();
      } catch (err) {
        await this.#discard('finishing the temp file failed');
        throw fileSystemError(err, `finishing blob ${this.digest}`);
      }
      try {
        await this.#install!(this.#tempPath, this.digest);
      } catch (err) {
        await this.#discard('storing it failed');
        throw fileSystemError(err, `storing blob ${this.digest}`);
      }
      this.#state = 'complete';
    });
  }

  abort(): Promise<void> {
    return this.#serialize(async () => {
      if (this.#state === 'writing') await this.#discard('it was aborted');
    });
  }

  /** Writes all of `data` at `position` through the ordinary handle. */
  async #writeAt(data: Uint8Array, position: number): Promise<void> {
    let written = 0;
    while (written < data.byteLength) {
      const { bytesWritten } = await this.#handle!.write(data, written, data.byteLength - written, position + written);
      written += bytesWritten;
    }
  }

  #assertWriting(): void {
    if (this.#state === 'aborted') {
      throw ActiondError.failedPrecondition(`the write of blob ${this.digest} was abandoned because ${this.#abortReason}`);
    }
  }

  /** Closes and deletes the temp file; errors are ignored because the next open sweeps temp files anyway. */
  async #discard(reason: string): Promise<void> {
    this.#state = 'aborted';
    this.#abortReason = reason;
    await this.#appender?.close();
    this.#threadHash?.drop();
    await this.#handle?.close().catch(() => {});
    await rm(this.#tempPath, { force: true }).catch(() => {});
  }

  #serialize<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(op);
    this.#tail = run.catch(() => {});
    return run;
  }
}
