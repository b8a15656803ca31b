import { randomBytes } from 'node:crypto';
import type { ExistenceIndexLookup } from '@actiond/blobstore';
import type { Digest } from '@actiond/digest';
import type { FindMissingBlobsWireRequest } from './find-missing-blobs-wire-request.ts';
import { FindMissingBlobsWireResponse } from './find-missing-blobs-wire-response.ts';

/** Seeds the duplicate table's hash, per process, so that no fixed request can pile its entries into one probe run. */
const SEED = randomBytes(4).readUInt32LE(0);
/** Probe steps allowed per digest, on average, before duplicate detection gives up (see below). */
const PROBES_PER_DIGEST = 16;

/**
 * FindMissingBlobs on the request's bytes: the digests `store` lacks, each
 * once, in request order, never the empty blob, as the general path answers
 * (find-missing-blobs.ts), but without a string or object per digest.
 * Each hash is looked up in the store's index where it lies in the request,
 * and each missing digest's entry is copied into the answer as it is: the
 * request's `blob_digests` and the answer's `missing_blob_digests` are both
 * field 2 of the same Digest message, and the wire request holds only the
 * shape ts-proto writes, so the copy is what encoding would produce.
 *
 * Duplicates are found with an open-addressing table over the missing
 * entries, hashed with a per-process seed. Should a request still make it
 * probe far more than random digests do (an attack on the hash), this
 * returns undefined and the caller answers the general way instead, whose
 * Map does not degrade: slower, never quadratic. `probeBudget` is the
 * number of probe steps past a different entry allowed in all (tests set it).
 */
export function findMissingOnWire(
  request: FindMissingBlobsWireRequest,
  store: ExistenceIndexLookup,
  empty: Digest,
  probeBudget = request.count * PROBES_PER_DIGEST + 1024,
): FindMissingBlobsWireResponse | undefined {
  const { bytes, entryStarts, sizes } = request;
  const count = request.count;
  const missing = new Int32Array(count);
  let missingCount = 0;
  let total = 0;
  // At most half full: 2 to 4 slots per digest; a slot holds a digest's index + 1, 0 when free.
  const bits = Math.max(4, Math.ceil(Math.log2(count + 1)) + 1);
  const shift = 32 - bits;
  const mask = (1 << bits) - 1;
  const table = new Int32Array(1 << bits);
  for (let i = 0; i < count; i++) {
    const entryStart = entryStarts[i]!;
    const hashStart = request.hashStart(i);
    const size = sizes[i]!;
    if (size === 0 && textAt(bytes, hashStart, empty.hash)) continue;
    if (store.hasHexDigest(bytes, hashStart, size)) continue;
    const entryEnd = request.entryEnd(i);
    for (let slot = Math.imul(entryHash(bytes, hashStart, size), 0x9e3779b1) >>> shift; ; slot = (slot + 1) & mask) {
      const other = table[slot]!;
      if (other === 0) {
        table[slot] = i + 1;
        missing[missingCount++] = i;
        total += entryEnd - entryStart;
        break;
      }
      if (sameBytes(bytes, entryStarts[other - 1]!, entryStart, entryEnd - entryStart)) break;
      if (--probeBudget < 0) return undefined;
    }
  }
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  // Missing entries that follow each other in the request are copied as one run.
  for (let m = 0; m < missingCount; ) {
    const runStart = entryStarts[missing[m]!]!;
    let runEnd = request.entryEnd(missing[m]!);
    for (m++; m < missingCount && entryStarts[missing[m]!] === runEnd; m++) runEnd = request.entryEnd(missing[m]!);
    pos += bytes.copy(out, pos, runStart, runEnd);
  }
  return new FindMissingBlobsWireResponse(out);
}

/**
 * The slot hash of a digest: its first 8 hex digits (uniformly random for real
 * hashes) and its size, mixed with the seed. Cheap rather than strong: a request
 * crafted to collide exhausts the probe budget and takes the general path.
 */
function entryHash(bytes: Buffer, hashStart: number, size: number): number {
  let prefix = 0;
  for (let i = hashStart; i < hashStart + 8; i++) {
    const c = bytes[i]!;
    prefix = (prefix << 4) | (c <= 57 ? c - 48 : c - 87);
  }
  return prefix ^ SEED ^ Math.imul(size | 0, 0x85ebca6b);
}

/** Whether the digest entries at `a` and at `b` (`length` bytes long) are the same bytes, so the same digest. */
function sameBytes(bytes: Buffer, a: number, b: number, length: number): boolean {
  // Both start with the same tag; entries of different lengths differ in the next
  // byte, their length, so nothing past the shorter one is read.
  for (let i = 1; i < length; i++) if (bytes[a + i] !== bytes[b + i]) return false;
  return true;
}

/** Whether the ASCII `text` lies at `bytes[start, start + text.length)`. */
function textAt(bytes: Buffer, start: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (bytes[start + i] !== text.charCodeAt(i)) return false;
  return true;
}
