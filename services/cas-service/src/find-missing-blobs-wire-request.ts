import { Digest } from '@actiond/digest';
import type { DigestFunction_Value, FindMissingBlobsRequest } from '@actiond/proto';

/** Hex digits of the hashes a wire request holds: SHA-256's (and BLAKE3's) 32 bytes. */
export const WIRE_HASH_HEX_LENGTH = 64;

/** Bytes of a digest entry before its hash: field tag, entry length, hash tag, hash length. */
const HASH_OFFSET = 4;
/** Varint bytes of a size read here (7 × 7 = 49 bits); larger sizes leave the request to the general decoder. */
const MAX_SIZE_VARINT_BYTES = 7;

/**
 * A FindMissingBlobsRequest left in its protobuf bytes: the digests are
 * checked but not turned into strings and objects, so that FindMissingBlobs
 * of 100,000 digests can look them up and copy the missing ones into its
 * answer byte for byte (find-missing-blobs-wire.ts).
 *
 * {@link FindMissingBlobsWireRequest.decode} accepts only the shape every
 * protobuf encoder writes for valid SHA-256 digests: each digest exactly a
 * hash field of 64 lowercase hex digits then, unless the size is 0, a size
 * field as a minimal varint below 2^49. That shape is also exactly what
 * ts-proto writes for the same digest in an answer, which makes the copy
 * exact. Anything else (other fields, another order, other hash lengths,
 * invalid hashes, sizes ts-proto would write differently) is left to the
 * general decoder and the per-digest checks with their error messages.
 *
 * It is a complete FindMissingBlobsRequest: `blobDigests` makes the
 * {@link Digest}s on first use, for any reader but the wire path.
 */
export class FindMissingBlobsWireRequest implements FindMissingBlobsRequest {
  readonly instanceName: string;
  readonly digestFunction: DigestFunction_Value;
  /** The request as received; never modified. */
  readonly bytes: Buffer;
  /** Where each digest's entry (its field tag) starts in `bytes`, in request order. */
  readonly entryStarts: Int32Array;
  /** Each digest's size in bytes. */
  readonly sizes: Float64Array;
  #digests: Digest[] | undefined;

  private constructor(bytes: Buffer, instanceName: string, digestFunction: DigestFunction_Value, entryStarts: Int32Array, sizes: Float64Array) {
    this.bytes = bytes;
    this.instanceName = instanceName;
    this.digestFunction = digestFunction;
    this.entryStarts = entryStarts;
    this.sizes = sizes;
  }

  /**
   * The request in `bytes` when it has the plain shape described above
   * (what FindMissingBlobsRequest.decode would return, field for field),
   * or undefined: then decode it the general way.
   */
  static decode(bytes: Buffer): FindMissingBlobsWireRequest | undefined {
    const end = bytes.length;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // Every digest entry is at least 68 bytes.
    const capacity = Math.floor(end / (HASH_OFFSET + WIRE_HASH_HEX_LENGTH));
    let entryStarts = new Int32Array(capacity);
    let sizes = new Float64Array(capacity);
    let count = 0;
    let instanceName = '';
    let digestFunction = 0;
    let pos = 0;
    while (pos < end) {
      const tag = bytes[pos]!;
      if (tag === 18) {
        const size = entrySize(bytes, view, pos, end);
        if (size < 0) return undefined;
        entryStarts[count] = pos;
        sizes[count] = size;
        count++;
        pos += 2 + bytes[pos + 1]!;
      } else if (tag === 10) {
        // instance_name: a short string, its length a varint of at most 2 bytes here.
        let length = bytes[pos + 1];
        let at = pos + 2;
        if (length === undefined) return undefined;
        if (length >= 0x80) {
          const high = bytes[pos + 2];
          if (high === undefined || high === 0 || high >= 0x80) return undefined;
          length = (length & 0x7f) + high * 128;
          at++;
        }
        if (at + length > end) return undefined;
        instanceName = bytes.toString('utf8', at, at + length);
        // Buffer's and ts-proto's UTF-8 decoders differ on malformed input; leave that to ts-proto.
        if (instanceName.includes('\uFFFD')) return undefined;
        pos = at + length;
      } else if (tag === 24) {
        // digest_function: small non-negative enum values only.
        const value = bytes[pos + 1];
        if (value === undefined || value >= 0x80) return undefined;
        digestFunction = value;
        pos += 2;
      } else {
        return undefined;
      }
    }
    if (count < capacity) {
      entryStarts = entryStarts.subarray(0, count);
      sizes = sizes.subarray(0, count);
    }
    return new FindMissingBlobsWireRequest(bytes, instanceName, digestFunction as DigestFunction_Value, entryStarts, sizes);
  }

  /** Number of digests. */
  get count(): number {
    return this.entryStarts.length;
  }

  /** Where digest `i`'s hash (64 lowercase hex digits) starts in `bytes`. */
  hashStart(i: number): number {
    return this.entryStarts[i]! + HASH_OFFSET;
  }

  /** Where digest `i`'s entry ends in `bytes` (exclusive). */
  entryEnd(i: number): number {
    const start = this.entryStarts[i]!;
    return start + 2 + this.bytes[start + 1]!;
  }

  /** The digests, as Digest objects, made on first use. */
  get blobDigests(): Digest[] {
    if (this.#digests === undefined) {
      const digests = new Array<Digest>(this.count);
      for (let i = 0; i < digests.length; i++) {
        const start = this.hashStart(i);
        digests[i] = Digest.fromHexBytes(this.bytes, start, start + WIRE_HASH_HEX_LENGTH, this.sizes[i]!)!;
      }
      this.#digests = digests;
    }
    return this.#digests;
  }
}

/**
 * The size of the digest entry at `bytes[pos]` (tag 18 already seen) if it
 * has the plain shape: entry length, hash field of 64 lowercase hex digits,
 * then nothing (size 0) or a size field with a minimal non-zero varint
 * that ends the entry. -1 otherwise.
 */
function entrySize(bytes: Buffer, view: DataView, pos: number, end: number): number {
  const length = bytes[pos + 1];
  if (length === undefined || length < 2 + WIRE_HASH_HEX_LENGTH || length >= 0x80) return -1;
  const entryEnd = pos + 2 + length;
  if (entryEnd > end) return -1;
  if (bytes[pos + 2] !== 10 || bytes[pos + 3] !== WIRE_HASH_HEX_LENGTH) return -1;
  const hashStart = pos + HASH_OFFSET;
  const hashEnd = hashStart + WIRE_HASH_HEX_LENGTH;
  if (!isLowerHex(view, hashStart, WIRE_HASH_HEX_LENGTH)) return -1;
  if (hashEnd === entryEnd) return 0;
  if (bytes[hashEnd] !== 16) return -1;
  const varintBytes = entryEnd - hashEnd - 1;
  if (varintBytes < 1 || varintBytes > MAX_SIZE_VARINT_BYTES) return -1;
  let value = 0;
  let multiplier = 1;
  for (let i = hashEnd + 1; i < entryEnd; i++) {
    const byte = bytes[i]!;
    const last = i === entryEnd - 1;
    // Continuation bits on all but the last byte; the last non-zero (minimal, and size 0 is never written).
    if (last ? byte === 0 || byte >= 0x80 : byte < 0x80) return -1;
    value += (byte & 0x7f) * multiplier;
    multiplier *= 128;
  }
  return value;
}

/**
 * Whether the `length` bytes (a multiple of 4) at `start` are all lowercase
 * hex digits, tested four at a time (SWAR: a 32-bit word as four byte lanes),
 * a third of the time of a table lookup per byte for 100,000 hashes.
 *
 * For a word x with every lane's high bit set (h = x | 0x80808080),
 * h - 0x30303030 keeps a lane's high bit exactly when the byte is at least
 * 0x30, with no borrow between lanes (each lane is at least 0x80). So a lane
 * is a digit when at least '0' and not at least ':' (0x3a), a letter when at
 * least 'a' and not at least 'g' (0x67); `~x` rejects bytes of 0x80 and up,
 * whose lanes the trick cannot see.
 */
function isLowerHex(view: DataView, start: number, length: number): boolean {
  let ok = -1;
  for (let at = start; at < start + length; at += 4) {
    const x = view.getInt32(at, true);
    const h = x | 0x80808080;
    const digit = ((h - 0x30303030) | 0) & ~((h - 0x3a3a3a3a) | 0);
    const letter = ((h - 0x61616161) | 0) & ~((h - 0x67676767) | 0);
    ok &= ~x & (digit | letter);
  }
  return (ok & 0x80808080) === (0x80808080 | 0);
}
