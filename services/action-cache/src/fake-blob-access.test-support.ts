// Test support, not exported: an in-memory BlobAccess whose blobs tests can
// remove, to play a CAS that evicted something.
import type { Readable } from 'node:stream';
import type { BlobAccess, BlobWrite } from '@actiond/blobstore';
import { type Digest, DigestSet, SHA256 } from '@actiond/digest';
import { notFound } from '@actiond/status';

/** A BlobAccess over a Map, with `remove` and call counters. */
export class FakeBlobAccess implements BlobAccess {
  readonly digestFunction = SHA256;
  readonly #blobs = new Map<string, Buffer>();
  /** How many times findMissing and get were called. */
  findMissingCalls = 0;
  getCalls = 0;

  /** Stores `text` (or bytes) and returns its digest. */
  add(data: string | Buffer): Digest {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
    const digest = SHA256.compute(bytes);
    this.#blobs.set(digest.key, bytes);
    return digest;
  }

  remove(digest: Digest): void {
    this.#blobs.delete(digest.key);
  }

  has(digest: Digest): boolean {
    return digest.sizeBytes === 0 || this.#blobs.has(digest.key);
  }

  async findMissing(digests: Iterable<Digest>): Promise<DigestSet> {
    this.findMissingCalls++;
    return DigestSet.of(digests).filter((d) => !this.has(d));
  }

  async get(digest: Digest): Promise<Buffer> {
    this.getCalls++;
    if (digest.sizeBytes === 0) return Buffer.alloc(0);
    const bytes = this.#blobs.get(digest.key);
    if (bytes === undefined) throw notFound(`blob ${digest} not found`);
    return bytes;
  }

  async put(digest: Digest, data: Uint8Array): Promise<void> {
    this.#blobs.set(digest.key, Buffer.from(data));
  }

  read(): Promise<Readable> {
    throw new Error('FakeBlobAccess.read is not used by these tests');
  }

  beginWrite(): Promise<BlobWrite> {
    throw new Error('FakeBlobAccess.beginWrite is not used by these tests');
  }
}
