import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { ALIGNED_BUFFER_BYTES, AlignedBufferPool } from './aligned-buffer-pool.ts';
import type { ThreadHashJob } from './hashing-thread.ts';

/** Block writes in flight per file: one being written while the next fills, and one more to ride out a slow write. */
const MAX_IN_FLIGHT = 2;

/** O_DIRECT's alignment for the last, partial block; the common logical block size is 512, 4096 covers both. */
const DIRECT_ALIGNMENT = 4096;

/** Buffers shared by every appender of the process: up to 16 MiB kept warm between uploads. */
const SHARED_POOL = new AlignedBufferPool(16);

/**
 * Appends a large file's bytes with O_DIRECT, in 1 MiB blocks written in the
 * background: the bytes go from an aligned staging buffer straight to the
 * device, not through the page cache.
 *
 * Why: writing a new file through the page cache allocates a fresh page for
 * every 4 KiB, and on this machine (a VM) fresh memory costs a hypervisor
 * page fault; bench measurements had write(2) of a new 1 GiB blob at about
 * 2.5 CPU-seconds per GB in the kernel, four times the SHA-256 of the same
 * bytes, against 0.1 to 0.2 with O_DIRECT. A blob just uploaded is rarely
 * read at once (Bazel uploads what it has), and reading it later is the
 * same with either write.
 *
 * Each {@link DirectFileAppender.append} copies into the staging buffer and
 * returns at once unless {@link MAX_IN_FLIGHT} blocks are already being
 * written, so the caller's hashing overlaps the device writes. A failed
 * block write is reported by the next append or by finish. The last block's
 * unaligned tail is written through `buffered`, the file's ordinary handle.
 * If the device refuses an aligned O_DIRECT write (EINVAL: a larger logical
 * block size), the rest of the file goes through `buffered` too.
 *
 * Given a `hash` job, every byte is also hashed on the hashing thread from
 * the same staging buffer, block by block in order, beside the writes; a
 * block is reused once both are done.
 */
export class DirectFileAppender {
  readonly #direct: FileHandle;
  readonly #buffered: FileHandle;
  readonly #pool: AlignedBufferPool;
  readonly #hash: ThreadHashJob | undefined;
  readonly #inFlight: Promise<void>[] = [];
  #block: Buffer | undefined;
  #filled = 0;
  /** File offset of the current block's first byte. */
  #position = 0;
  #directWorks = true;
  #failure: unknown;

  private constructor(direct: FileHandle, buffered: FileHandle, pool: AlignedBufferPool, hash: ThreadHashJob | undefined) {
    this.#direct = direct;
    this.#buffered = buffered;
    this.#pool = pool;
    this.#hash = hash;
  }

  /**
   * An appender for the empty file at `path`, already open as `buffered`;
   * undefined where O_DIRECT is not available (not Linux, or a filesystem
   * such as tmpfs that refuses it), in which case the caller writes through
   * `buffered` as usual. With `hash`, it also hashes every byte there.
   */
  static async open(
    path: string,
    buffered: FileHandle,
    options: { readonly hash?: ThreadHashJob; readonly pool?: AlignedBufferPool } = {},
  ): Promise<DirectFileAppender | undefined> {
    const flag = constants.O_DIRECT;
    if (flag === undefined) return undefined;
    try {
      return new DirectFileAppender(await open(path, constants.O_WRONLY | flag), buffered, options.pool ?? SHARED_POOL, options.hash);
    } catch {
      return undefined;
    }
  }

  /** Takes `data` after what came before; resolves once it is staged or written (its memory may then be reused). */
  async append(data: Uint8Array): Promise<void> {
    this.#throwIfFailed();
    let at = 0;
    while (at < data.length) {
      const block = (this.#block ??= this.#pool.acquire());
      const take = Math.min(ALIGNED_BUFFER_BYTES - this.#filled, data.length - at);
      stageCopy(block, this.#filled, data.subarray(at, at + take));
      this.#filled += take;
      at += take;
      if (this.#filled === ALIGNED_BUFFER_BYTES) await this.#submitBlock();
    }
  }

  /** Writes what is staged and waits for every write; the file then holds every appended byte. Closes the O_DIRECT handle. */
  async finish(): Promise<void> {
    try {
      await this.#drain();
      this.#throwIfFailed();
      const block = this.#block;
      if (block !== undefined && this.#filled > 0) {
        const filled = this.#filled;
        const position = this.#position;
        const aligned = this.#directWorks ? filled - (filled % DIRECT_ALIGNMENT) : 0;
        const write = async (): Promise<void> => {
          if (aligned > 0) await this.#writeBlock(block, 0, aligned, position);
          if (filled > aligned) await writeFully(this.#buffered, block, aligned, filled - aligned, position + aligned);
        };
        await settleBoth(write(), this.#hash?.update(block.subarray(0, filled)));
        this.#position += filled;
      }
    } finally {
      await this.close();
    }
  }

  /** Waits for writes in flight (ignoring their failures), returns the buffers and closes the O_DIRECT handle. Idempotent. */
  async close(): Promise<void> {
    await this.#drain().catch(() => {});
    if (this.#block !== undefined) this.#pool.release(this.#block);
    this.#block = undefined;
    this.#filled = 0;
    await this.#direct.close().catch(() => {});
  }

  /** Starts writing the full current block; waits while too many writes are in flight. */
  async #submitBlock(): Promise<void> {
    const block = this.#block!;
    const position = this.#position;
    this.#block = undefined;
    this.#filled = 0;
    this.#position += ALIGNED_BUFFER_BYTES;
    const write = settleBoth(this.#writeBlock(block, 0, ALIGNED_BUFFER_BYTES, position), this.#hash?.update(block)).then(
      () => this.#pool.release(block),
      (err: unknown) => {
        this.#failure ??= err;
        this.#pool.release(block);
      },
    );
    this.#inFlight.push(write);
    while (this.#inFlight.length > MAX_IN_FLIGHT) await this.#inFlight.shift();
    this.#throwIfFailed();
  }

  /** Writes with O_DIRECT, or through the buffered handle once the device has refused O_DIRECT. */
  async #writeBlock(block: Buffer, offset: number, length: number, position: number): Promise<void> {
    if (this.#directWorks) {
      try {
        await writeFully(this.#direct, block, offset, length, position);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
        this.#directWorks = false;
      }
    }
    await writeFully(this.#buffered, block, offset, length, position);
  }

  async #drain(): Promise<void> {
    while (this.#inFlight.length > 0) await this.#inFlight.shift();
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }
}

/**
 * Waits for both the write and the hash of a block (so its buffer is free
 * to reuse), then rejects with the first failure if either failed.
 */
async function settleBoth(write: Promise<void>, hash: Promise<void> | undefined): Promise<void> {
  const [written, hashed] = await Promise.allSettled([write, hash]);
  if (written.status === 'rejected') throw written.reason;
  if (hashed.status === 'rejected') throw hashed.reason;
}

/**
 * Copies `source` into `block` at `at`, as `block.set(source, at)` would,
 * but with a plain memcpy. Why: the blocks are SharedArrayBuffer memory,
 * and V8 copies into shared memory with relaxed atomic loads and stores,
 * word by word where source and target addresses agree modulo 8 and byte
 * by byte where they do not (a Write's data sits about 10 bytes into its
 * message, so they do not): 0.45 s per GiB here, 0.1 when aligned.
 * Node's Buffer fill with a byte pattern as long as the range is one
 * memcpy: 0.03 s per GiB either way. The atomicity V8 pays for is not
 * needed: the hashing thread reads a block only after it is full (its
 * update is posted after this copy) and the block is reused only after
 * that update resolved.
 */
export function stageCopy(block: Buffer, at: number, source: Uint8Array): void {
  if (source.length === 0) return;
  if (at < 0 || at + source.length > block.length) {
    throw new RangeError(`stageCopy: ${source.length} bytes at ${at} do not fit a block of ${block.length}`);
  }
  block.fill(source, at, at + source.length);
}

/** Writes all `length` bytes at `position`, looping over short writes. */
async function writeFully(handle: FileHandle, buffer: Buffer, offset: number, length: number, position: number): Promise<void> {
  let written = 0;
  while (written < length) {
    const { bytesWritten } = await handle.write(buffer, offset + written, length - written, position + written);
    if (bytesWritten === 0) throw new Error(`write(2) wrote nothing at offset ${position + written}`);
    written += bytesWritten;
  }
}
