import { Readable } from 'node:stream';
import { type Digest, type DigestFunction, DigestSet, SHA256 } from '@actiond/digest';
import { invalidArgument, notFound, outOfRange } from '@actiond/status';
import type { BlobAccess, BlobWrite, ReadOptions } from './blob-access.ts';

const DEFAULT_CHUNK_BYTES = 64 * 1024;

/**
 * A {@link BlobAccess} over a Map, keeping the whole contract (verified
 * writes, the empty blob always present, ranged reads, NOT_FOUND and
 * OUT_OF_RANGE) without a disk. The services' unit tests share it instead
 * of each writing a fake: it counts calls so tests can see caching and
 * batching, and `remove` plays a CAS that lost or evicted a blob.
 */
export class MemoryBlobAccess implements BlobAccess {
  readonly digestFunction: DigestFunction;
  readonly #blobs = new Map<string, Buffer>();
  /** How many times each method was called, and how many digests findMissing was asked about. */
  readonly calls = { findMissing: 0, findMissingDigests: 0, get: 0, read: 0 };

  constructor(digestFunction: DigestFunction = SHA256) {
    this.digestFunction = digestFunction;
  }

  /** Stores bytes (or UTF-8 text) without a digest from the caller, and returns their digest. */
  add(data: Uint8Array | string): Digest {
    const bytes = Buffer.from(data);
    const digest = this.digestFunction.compute(bytes);
    if (digest.sizeBytes > 0) this.#blobs.set(digest.key, bytes);
    return digest;
  }

  /** Stores an encoded protobuf message (e.g. `addMessage(Directory, {...})` with a ts-proto type) and returns its digest. */
  addMessage<T>(type: { fromPartial(partial: never): T; encode(message: T): { finish(): Uint8Array } }, partial: unknown): Digest {
    return this.add(type.encode(type.fromPartial(partial as never)).finish());
  }

  /** The stored bytes of a digest given as `hash/size`, for tests that inspect what was written; undefined if absent. */
  peek(key: string): Buffer | undefined {
    return this.#blobs.get(key);
  }

  /** Forgets a blob, as if it had been evicted; the empty blob stays present. */
  remove(digest: Digest): void {
    this.#blobs.delete(digest.key);
  }

  has(digest: Digest): boolean {
    return digest.sizeBytes === 0 || this.#blobs.has(digest.key);
  }

  /** How many non-empty blobs are stored. */
  get size(): number {
    return this.#blobs.size;
  }

  async findMissing(digests: Iterable<Digest>): Promise<DigestSet> {
    this.calls.findMissing++;
    const set = DigestSet.of(digests);
    this.calls.findMissingDigests += set.size;
    return set.filter((d) => !this.has(d));
  }

  async get(digest: Digest): Promise<Buffer> {
    this.calls.get++;
    return this.#stored(digest);
  }

  async read(digest: Digest, options: ReadOptions = {}): Promise<Readable> {
    this.calls.read++;
    const data = this.#stored(digest);
    const offset = options.offset ?? 0;
    if (offset < 0 || offset > data.length) {
      throw outOfRange(`read offset ${offset} is outside blob ${digest}, which has ${data.length} bytes`);
    }
    const end = options.limit === undefined || options.limit === 0 ? data.length : Math.min(data.length, offset + options.limit);
    const chunk = options.chunkSizeBytes ?? DEFAULT_CHUNK_BYTES;
    const chunks: Buffer[] = [];
    for (let at = offset; at < end; at += chunk) chunks.push(data.subarray(at, Math.min(end, at + chunk)));
    return Readable.from(chunks);
  }

  async put(digest: Digest, data: Uint8Array): Promise<void> {
    this.#verify(digest, data);
    if (digest.sizeBytes > 0) this.#blobs.set(digest.key, Buffer.from(data));
  }

  async beginWrite(digest: Digest): Promise<BlobWrite> {
    return new MemoryBlobWrite(digest, this.has(digest), (data) => this.put(digest, data));
  }

  #stored(digest: Digest): Buffer {
    if (digest.sizeBytes === 0) return Buffer.alloc(0);
    const data = this.#blobs.get(digest.key);
    if (data === undefined) throw notFound(`blob ${digest} is not in the CAS`);
    return data;
  }

  #verify(digest: Digest, data: Uint8Array): void {
    if (data.length !== digest.sizeBytes) {
      throw invalidArgument(`blob ${digest} has ${data.length} bytes, but its digest says ${digest.sizeBytes}`);
    }
    const actual = this.digestFunction.compute(data);
    if (!actual.equals(digest)) throw invalidArgument(`content does not match ${digest}: its hash is ${actual.hash}`);
  }
}

/** A streamed upload into a MemoryBlobAccess: bytes collected, verified and stored at commit. */
class MemoryBlobWrite implements BlobWrite {
  readonly digest: Digest;
  readonly #store: (data: Buffer) => Promise<void>;
  readonly #chunks: Buffer[] = [];
  #committedSize = 0;
  #complete: boolean;
  #aborted = false;

  constructor(digest: Digest, complete: boolean, store: (data: Buffer) => Promise<void>) {
    this.digest = digest;
    this.#complete = complete;
    this.#store = store;
    if (complete) this.#committedSize = digest.sizeBytes;
  }

  get committedSize(): number {
    return this.#committedSize;
  }

  get complete(): boolean {
    return this.#complete;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  async write(data: Uint8Array, offset?: number): Promise<void> {
    if (this.#complete) return;
    this.#usable();
    if (offset !== undefined && offset !== this.#committedSize) {
      throw invalidArgument(`write at offset ${offset} of blob ${this.digest}, but ${this.#committedSize} bytes are committed`);
    }
    if (this.#committedSize + data.length > this.digest.sizeBytes) {
      this.#abortNow();
      throw invalidArgument(`more than the ${this.digest.sizeBytes} bytes of blob ${this.digest} were written`);
    }
    this.#chunks.push(Buffer.from(data));
    this.#committedSize += data.length;
  }

  async commit(): Promise<void> {
    if (this.#complete) return;
    this.#usable();
    try {
      await this.#store(Buffer.concat(this.#chunks));
    } catch (err) {
      this.#abortNow();
      throw err;
    }
    this.#chunks.length = 0;
    this.#complete = true;
  }

  async abort(): Promise<void> {
    if (!this.#complete) this.#abortNow();
  }

  #usable(): void {
    if (this.#aborted) throw invalidArgument(`the upload of blob ${this.digest} was aborted`);
  }

  #abortNow(): void {
    this.#aborted = true;
    this.#chunks.length = 0;
  }
}

