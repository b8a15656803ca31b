import type { Digest } from './digest.ts';

/**
 * An incremental hasher produced by {@link DigestFunction.createHasher}.
 * Feed it chunks in order, then read the lowercase hex hash once.
 */
export interface Hasher {
  /** Appends bytes to the hashed stream. */
  update(data: Uint8Array): void;
  /** Finishes hashing and returns the lowercase hex hash. Call at most once. */
  digestHex(): string;
}

/**
 * A hash function as REAPI names it (`build.bazel.remote.execution.v2.DigestFunction.Value`).
 *
 * Only functions the server really implements have an instance; see
 * {@link DigestFunctions} for lookup by name, enum value or hash length.
 */
export interface DigestFunction {
  /** The REAPI enum name, e.g. "SHA256". */
  readonly name: string;
  /** The REAPI enum number, e.g. 1 for SHA256. */
  readonly reapiValue: number;
  /** Number of hex characters in a hash, e.g. 64 for SHA256. */
  readonly hashLengthHex: number;
  /** Lower-case name used as a directory name in on-disk layouts, e.g. "sha256". */
  readonly directoryName: string;
  /** A fresh incremental hasher. */
  createHasher(): Hasher;
  /** The digest of the zero-length blob, which every CAS treats as always present. */
  readonly emptyDigest: Digest;
  /** Digest of an in-memory byte string. */
  compute(data: Uint8Array): Digest;
}
