import type { DigestFunction } from './digest-function.ts';
import { InvalidDigestError } from './digest-errors.ts';
import { SHA256 } from './sha256-digest-function.ts';

/** A size as it can arrive from protobuf decoders: int64 may be a number, bigint or decimal string. */
export type SizeInput = number | bigint | string;

const LOWER_HEX = /^[0-9a-f]*$/;
const DECIMAL = /^[0-9]+$/;
/** 1 at the byte values of 0-9 and a-f. */
const IS_LOWER_HEX_BYTE = new Uint8Array(256);
for (const c of '0123456789abcdef') IS_LOWER_HEX_BYTE[c.charCodeAt(0)] = 1;

/**
 * The identity of a blob: its hash (lowercase hex) and size in bytes.
 *
 * Immutable and always valid: the only ways to obtain one are {@link Digest.parse},
 * {@link Digest.fromKey} and {@link DigestFunction.compute}, which validate.
 * Structurally it is a REAPI `Digest` message (`{ hash, sizeBytes }`), so it can
 * be placed into generated protobuf messages as is.
 *
 * A Digest does not remember its digest function: the function is a property of
 * the request (REAPI `digest_function`) and of the store it is used with.
 */
export class Digest {
  /** Lowercase hex hash. */
  readonly hash: string;
  /** Size in bytes, a non-negative safe integer. */
  readonly sizeBytes: number;

  private constructor(hash: string, sizeBytes: number) {
    this.hash = hash;
    this.sizeBytes = sizeBytes;
    Object.freeze(this);
  }

  /**
   * Validates and builds a digest. The hash must be lowercase hex of exactly the
   * function's length (REAPI requires lowercase); the size must be a non-negative
   * integer no larger than Number.MAX_SAFE_INTEGER, given as number, bigint or
   * decimal string. Throws {@link InvalidDigestError} naming the offending value.
   */
  static parse(hash: string, sizeBytes: SizeInput, fn: DigestFunction = SHA256): Digest {
    if (typeof hash !== 'string') {
      throw new InvalidDigestError(`digest hash must be a string, got ${typeof hash}`);
    }
    if (hash.length !== fn.hashLengthHex || !LOWER_HEX.test(hash)) {
      const why = !LOWER_HEX.test(hash)
        ? 'is not lowercase hex'
        : `has ${hash.length} characters, ${fn.name} hashes have ${fn.hashLengthHex}`;
      throw new InvalidDigestError(`invalid ${fn.name} digest hash ${quote(hash)}: ${why}`);
    }
    return new Digest(hash, parseSize(sizeBytes, hash));
  }

  /**
   * The digest whose hash is the ASCII text in `bytes[start, end)`, validated
   * on the bytes as {@link Digest.parse} validates strings (lowercase hex of
   * the function's length, a non-negative safe integer size), or undefined
   * when invalid: call {@link Digest.parse} for the error that says why.
   * For protobuf decoders: 100,000 digests per FindMissingBlobs are checked
   * without a regex over freshly sliced strings.
   */
  static fromHexBytes(bytes: Uint8Array, start: number, end: number, sizeBytes: number, fn: DigestFunction = SHA256): Digest | undefined {
    if (end - start !== fn.hashLengthHex || !Number.isSafeInteger(sizeBytes) || sizeBytes < 0) return undefined;
    for (let i = start; i < end; i++) if (IS_LOWER_HEX_BYTE[bytes[i]!] !== 1) return undefined;
    return new Digest(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1', start, end), sizeBytes);
  }

  /** Parses the `hash/size` form produced by {@link Digest.key}. */
  static fromKey(key: string, fn: DigestFunction = SHA256): Digest {
    const slash = typeof key === 'string' ? key.indexOf('/') : -1;
    if (slash < 0) {
      throw new InvalidDigestError(`invalid digest ${quote(String(key))}: expected "hash/size"`);
    }
    return Digest.parse(key.slice(0, slash), key.slice(slash + 1), fn);
  }

  /** `hash/size`: unique per blob, usable as a Map key, same shape as REAPI resource names. */
  get key(): string {
    return `${this.hash}/${this.sizeBytes}`;
  }

  /** Same as {@link Digest.key}; used in error messages. */
  toString(): string {
    return this.key;
  }

  /** True when both hash and size are equal. */
  equals(other: Digest): boolean {
    return this.hash === other.hash && this.sizeBytes === other.sizeBytes;
  }
}

function parseSize(size: SizeInput, hash: string): number {
  let value: number;
  if (typeof size === 'number') {
    value = size;
  } else if (typeof size === 'bigint') {
    value = size >= 0n && size <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(size) : -1;
  } else if (typeof size === 'string' && DECIMAL.test(size)) {
    value = Number(size);
  } else {
    throw new InvalidDigestError(
      `invalid size ${quote(String(size))} for digest ${hash}: expected a non-negative integer`,
    );
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidDigestError(
      `invalid size ${String(size)} for digest ${hash}: expected a non-negative integer at most ${Number.MAX_SAFE_INTEGER}`,
    );
  }
  return value;
}

/** Quotes untrusted input for an error message, cut short so a huge value cannot flood logs. */
function quote(value: string): string {
  const max = 100;
  return value.length <= max
    ? JSON.stringify(value)
    : `${JSON.stringify(value.slice(0, max))}... (${value.length} characters)`;
}
