import { createCipheriv, createHash, type Cipheriv } from 'node:crypto';

/**
 * A reproducible stream of pseudo-random bytes: the AES-128-CTR keystream
 * under a key derived from `seed`. Same seed, same bytes, on every machine,
 * so a benchmark's blobs (and their digests) are the same from run to run;
 * AES-NI makes it fast enough (GB/s) to generate data outside timed parts
 * without dominating the benchmark's own run time. Not for secrets.
 */
export class DeterministicBytes {
  readonly #cipher: Cipheriv;

  constructor(seed: string) {
    const key = createHash('sha256').update(seed).digest();
    this.#cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  }

  /** The next `length` bytes of the stream, in a fresh buffer. */
  next(length: number): Buffer {
    return this.#cipher.update(Buffer.alloc(length));
  }
}
