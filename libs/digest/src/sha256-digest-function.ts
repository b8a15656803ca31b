import { createHash } from 'node:crypto';
import type { DigestFunction, Hasher } from './digest-function.ts';
import { Digest } from './digest.ts';

/**
 * SHA-256 (REAPI `DigestFunction.SHA256`, value 1), hashed by node:crypto (OpenSSL).
 *
 * `Digest` is only touched inside methods, never at module load, because digest.ts
 * imports this module for its default function (an import cycle that is safe only
 * while neither side uses the other during evaluation).
 */
class Sha256DigestFunction implements DigestFunction {
  readonly name = 'SHA256';
  readonly reapiValue = 1;
  readonly hashLengthHex = 64;
  readonly directoryName = 'sha256';
  #empty: Digest | undefined;

  createHasher(): Hasher {
    const hash = createHash('sha256');
    return {
      update(data: Uint8Array): void {
        hash.update(data);
      },
      digestHex(): string {
        return hash.digest('hex');
      },
    };
  }

  get emptyDigest(): Digest {
    this.#empty ??= this.compute(new Uint8Array(0));
    return this.#empty;
  }

  compute(data: Uint8Array): Digest {
    return Digest.parse(createHash('sha256').update(data).digest('hex'), data.byteLength, this);
  }
}

/** The SHA-256 digest function, the default everywhere. */
export const SHA256: DigestFunction = Object.freeze(new Sha256DigestFunction());
