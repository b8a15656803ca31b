// Test support, not exported: an in-memory BlobAccess that counts reads and
// FindMissing calls and can lose blobs, to play a CAS with gaps.
import { Readable } from 'node:stream';
import type { BlobAccess, BlobWrite } from '@actiond/blobstore';
import { type Digest, type DigestFunction, DigestSet, SHA256 } from '@actiond/digest';
import { Action, Command, Directory } from '@actiond/proto';
import { ActiondError } from '@actiond/status';

/** Blobs in a Map. */
export class MemoryBlobAccess implements BlobAccess {
  readonly digestFunction: DigestFunction = SHA256;
  readonly blobs = new Map<string, Buffer>();
  gets = 0;
  findMissingCalls = 0;
  /** Digests asked about by findMissing, over all calls. */
  findMissingDigests = 0;

  /** Stores bytes (or text) under their digest and returns it. */
  add(data: Uint8Array | string): Digest {
    const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data);
    const digest = SHA256.compute(bytes);
    this.blobs.set(digest.key, bytes);
    return digest;
  }

  /** Stores a Directory message and returns its digest. */
  addDirectory(directory: Parameters<typeof Directory.fromPartial>[0]): Digest {
    return this.add(Directory.encode(Directory.fromPartial(directory)).finish());
  }

  /** Stores a Command message and returns its digest. */
  addCommand(command: Parameters<typeof Command.fromPartial>[0]): Digest {
    return this.add(Command.encode(Command.fromPartial(command)).finish());
  }

  /** Stores an Action message and returns its digest. */
  addAction(action: Parameters<typeof Action.fromPartial>[0]): Digest {
    return this.add(Action.encode(Action.fromPartial(action)).finish());
  }

  remove(digest: Digest): void {
    this.blobs.delete(digest.key);
  }

  async findMissing(digests: Iterable<Digest>): Promise<DigestSet> {
    this.findMissingCalls++;
    const set = DigestSet.of(digests);
    this.findMissingDigests += set.size;
    return set.filter((d) => d.sizeBytes > 0 && !this.blobs.has(d.key));
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

/** The REAPI Digest message of a digest, for building protos. */
export function proto(digest: Digest): { hash: string; sizeBytes: number } {
  return { hash: digest.hash, sizeBytes: digest.sizeBytes };
}
