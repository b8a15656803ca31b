// Test support, not exported: an in-memory BlobAccess for unit tests of
// code that only reads (TreeWalker), counting reads so caching is visible.
import { Readable } from 'node:stream';
import type { BlobAccess, BlobWrite } from '@actiond/blobstore';
import { type Digest, type DigestFunction, DigestSet, SHA256 } from '@actiond/digest';
import { Directory } from '@actiond/proto';
import { ActiondError } from '@actiond/status';

/** Blobs in a Map; `gets` counts get() calls. */
export class MemoryBlobAccess implements BlobAccess {
  readonly digestFunction: DigestFunction = SHA256;
  readonly blobs = new Map<string, Buffer>();
  gets = 0;

  /** Stores bytes under their digest and returns it. */
  add(data: Uint8Array): Digest {
    const digest = SHA256.compute(data);
    this.blobs.set(digest.key, Buffer.from(data));
    return digest;
  }

  /** Stores a Directory message and returns its digest. */
  addDirectory(directory: Parameters<typeof Directory.fromPartial>[0]): Digest {
    return this.add(Directory.encode(Directory.fromPartial(directory)).finish());
  }

  async findMissing(digests: Iterable<Digest>): Promise<DigestSet> {
    return DigestSet.of([...digests].filter((d) => d.sizeBytes > 0 && !this.blobs.has(d.key)));
  }

  async get(digest: Digest): Promise<Buffer> {
    this.gets++;
    if (digest.sizeBytes === 0) return Buffer.alloc(0);
    const data = this.blobs.get(digest.key);
    if (data === undefined) throw ActiondError.notFound(`blob ${digest} is not in the CAS`);
    return data;
  }

  async read(digest: Digest): Promise<Readable> {
    return Readable.from([await this.get(digest)]);
  }

  async put(digest: Digest, data: Uint8Array): Promise<void> {
    if (!SHA256.compute(data).equals(digest)) throw ActiondError.invalidArgument(`content does not match ${digest}`);
    this.blobs.set(digest.key, Buffer.from(data));
  }

  beginWrite(): Promise<BlobWrite> {
    throw new Error('MemoryBlobAccess does not stream writes');
  }
}
