import { createHash } from 'node:crypto';
import { Digest } from '@actiond/digest';
import { DeterministicBytes } from './deterministic-bytes.ts';

/**
 * Bytes per ByteStream WriteRequest and per disk write: 1 MiB, the top of the
 * range Bazel uses (16 KiB to 1 MiB chunks), so per-message costs weigh least.
 */
export const CHUNK_BYTES = 1024 * 1024;

/**
 * Pseudo-random bytes shared by every {@link LargeBlob}: 64 MiB, larger than
 * the CPU's last-level cache, so hashing and copying a blob streams through
 * memory as it would for real data instead of rereading one cached MiB.
 */
export class BlobPattern {
  static readonly BYTES = 64 * CHUNK_BYTES;
  readonly bytes: Buffer;

  constructor(seed: string) {
    this.bytes = new DeterministicBytes(`pattern:${seed}`).next(BlobPattern.BYTES);
  }
}

/**
 * A large deterministic blob that is never held in memory whole: its chunks
 * are a unique 1 MiB head (from `seed`, so every blob of a run has its own
 * digest and the server cannot answer "already stored") followed by slices
 * of the shared pattern. The digest is computed once, in {@link LargeBlob.create},
 * outside any timed part.
 */
export class LargeBlob {
  readonly sizeBytes: number;
  readonly digest: Digest;
  readonly #head: Buffer;
  readonly #pattern: Buffer;

  private constructor(sizeBytes: number, head: Buffer, pattern: Buffer, digest: Digest) {
    this.sizeBytes = sizeBytes;
    this.#head = head;
    this.#pattern = pattern;
    this.digest = digest;
  }

  /** A blob of `sizeBytes` (positive) whose content is fixed by `pattern` and `seed`. */
  static create(pattern: BlobPattern, sizeBytes: number, seed: string): LargeBlob {
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) throw new Error(`a large blob needs a positive size, got ${sizeBytes}`);
    const head = new DeterministicBytes(`head:${seed}`).next(Math.min(CHUNK_BYTES, sizeBytes));
    const hash = createHash('sha256');
    for (const chunk of chunksOf(head, pattern.bytes, sizeBytes)) hash.update(chunk);
    return new LargeBlob(sizeBytes, head, pattern.bytes, Digest.parse(hash.digest('hex'), sizeBytes));
  }

  /** The content in order, CHUNK_BYTES at a time (the last chunk may be shorter); views, not copies. */
  chunks(): Generator<Buffer> {
    return chunksOf(this.#head, this.#pattern, this.sizeBytes);
  }
}

function* chunksOf(head: Buffer, pattern: Buffer, sizeBytes: number): Generator<Buffer> {
  yield head;
  for (let offset = head.length; offset < sizeBytes; offset += CHUNK_BYTES) {
    const length = Math.min(CHUNK_BYTES, sizeBytes - offset);
    const start = offset % pattern.length;
    yield pattern.subarray(start, start + length);
  }
}
