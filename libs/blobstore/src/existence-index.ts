import { randomBytes } from 'node:crypto';
import type { Digest } from '@actiond/digest';

const EMPTY_SLOT = -1;
const INITIAL_BITS = 10;

/**
 * The blobs a store holds, in memory: hash → size. FindMissingBlobs answers from it
 * without touching the disk; the disk store fills it at open from directory
 * listings and updates it on every store and removal.
 *
 * Why not a `Map<string, number>`: a lookup there hashes the 64-character probe
 * string first (every FindMissingBlobs digest is a fresh string from the decoder),
 * and 100,000 such lookups measured 55 to 130 ms on the 2-core build machine under
 * load. This table instead uses the first 8 hex digits of the hash (already
 * uniformly random), read with charCodeAt and no allocation, mixed with a random
 * per-process seed (so crafted blobs cannot pile into one probe chain), as the
 * slot of an open-addressing table in typed arrays; the full hash is compared
 * only when those 32 bits match. The same lookups measured 12 to 50 ms.
 *
 * Layout: `#slots[i]` is the entry index stored in slot i (or EMPTY_SLOT) and
 * `#prefixes[i]` its 32-bit prefix; entries are dense in `#hashes`/`#sizes`
 * (removal moves the last entry into the hole). Linear probing, at most half full,
 * deletion by backward shift (no tombstones). Memory is about 100 bytes per blob,
 * mostly the hash strings: a million blobs cost about 100 MB.
 */
export class ExistenceIndex {
  readonly #seed: number;
  #bits = INITIAL_BITS;
  #mask = (1 << INITIAL_BITS) - 1;
  #slots = new Int32Array(1 << INITIAL_BITS).fill(EMPTY_SLOT);
  #prefixes = new Uint32Array(1 << INITIAL_BITS);
  readonly #hashes: string[] = [];
  readonly #sizes: number[] = [];

  /** `seed` mixes the slot function; random unless a test fixes it for reproducibility. */
  constructor(seed: number = randomBytes(4).readUInt32LE(0)) {
    this.#seed = seed >>> 0;
  }

  /** Number of blobs indexed. */
  get count(): number {
    return this.#hashes.length;
  }

  /** True when a blob with this hash and exactly this size is indexed. */
  has(digest: Digest): boolean {
    const slot = this.#slotOf(digest.hash);
    return slot !== EMPTY_SLOT && this.#sizes[this.#slots[slot]!] === digest.sizeBytes;
  }

  /**
   * {@link ExistenceIndex.has} for a hash still in a request's bytes: true when a blob
   * is indexed whose hash is the text in `bytes[start, start + length)` and whose size
   * is exactly `sizeBytes`. No string is made: FindMissingBlobs asks this 100,000
   * times per call straight from the protobuf. The caller has checked that the text
   * is lowercase hex of at least 8 digits (a digest function's length).
   */
  hasHex(bytes: Uint8Array, start: number, length: number, sizeBytes: number): boolean {
    const prefix = prefixOfBytes(bytes, start);
    const slots = this.#slots;
    const prefixes = this.#prefixes;
    for (let i = this.#home(prefix); ; i = (i + 1) & this.#mask) {
      const entry = slots[i]!;
      if (entry === EMPTY_SLOT) return false;
      // Hashes are unique in the index: the first full match decides.
      if (prefixes[i] === prefix && textEquals(this.#hashes[entry]!, bytes, start, length)) return this.#sizes[entry] === sizeBytes;
    }
  }

  /** Records a stored blob (a second size for the same hash replaces the first). */
  add(hash: string, sizeBytes: number): void {
    const slot = this.#slotOf(hash);
    if (slot !== EMPTY_SLOT) {
      this.#sizes[this.#slots[slot]!] = sizeBytes;
      return;
    }
    if ((this.#hashes.length + 1) * 2 > this.#slots.length) this.#grow();
    this.#insert(this.#hashes.length, prefixOf(hash));
    this.#hashes.push(hash);
    this.#sizes.push(sizeBytes);
  }

  /** Forgets a blob; a different size under the same hash stays. */
  remove(digest: Digest): void {
    const slot = this.#slotOf(digest.hash);
    if (slot === EMPTY_SLOT) return;
    const entry = this.#slots[slot]!;
    if (this.#sizes[entry] !== digest.sizeBytes) return;
    this.#deleteSlot(slot);
    const last = this.#hashes.length - 1;
    if (entry !== last) {
      const moved = this.#hashes[last]!;
      this.#slots[this.#slotOf(moved)] = entry;
      this.#hashes[entry] = moved;
      this.#sizes[entry] = this.#sizes[last]!;
    }
    this.#hashes.pop();
    this.#sizes.pop();
  }

  #home(prefix: number): number {
    return Math.imul(prefix ^ this.#seed, 0x9e3779b1) >>> (32 - this.#bits);
  }

  /** The slot holding `hash`, or EMPTY_SLOT. */
  #slotOf(hash: string): number {
    const prefix = prefixOf(hash);
    const slots = this.#slots;
    const prefixes = this.#prefixes;
    for (let i = this.#home(prefix); ; i = (i + 1) & this.#mask) {
      const entry = slots[i]!;
      if (entry === EMPTY_SLOT) return EMPTY_SLOT;
      if (prefixes[i] === prefix && this.#hashes[entry] === hash) return i;
    }
  }

  #insert(entry: number, prefix: number): void {
    let i = this.#home(prefix);
    while (this.#slots[i] !== EMPTY_SLOT) i = (i + 1) & this.#mask;
    this.#slots[i] = entry;
    this.#prefixes[i] = prefix;
  }

  /** Empties slot `hole` and shifts later members of its probe run back, so no lookup stops early. */
  #deleteSlot(hole: number): void {
    const slots = this.#slots;
    const prefixes = this.#prefixes;
    slots[hole] = EMPTY_SLOT;
    for (let i = (hole + 1) & this.#mask; slots[i] !== EMPTY_SLOT; i = (i + 1) & this.#mask) {
      const home = this.#home(prefixes[i]!);
      // The entry at i may move into the hole only if its home is not cyclically within (hole, i].
      const staysPut = hole <= i ? hole < home && home <= i : hole < home || home <= i;
      if (staysPut) continue;
      slots[hole] = slots[i]!;
      prefixes[hole] = prefixes[i]!;
      slots[i] = EMPTY_SLOT;
      hole = i;
    }
  }

  #grow(): void {
    this.#bits++;
    this.#mask = (1 << this.#bits) - 1;
    this.#slots = new Int32Array(1 << this.#bits).fill(EMPTY_SLOT);
    this.#prefixes = new Uint32Array(1 << this.#bits);
    for (let entry = 0; entry < this.#hashes.length; entry++) this.#insert(entry, prefixOf(this.#hashes[entry]!));
  }
}

/** The first 8 hex digits of a lowercase hex hash as an unsigned 32-bit number. */
function prefixOf(hash: string): number {
  let value = 0;
  for (let i = 0; i < 8; i++) {
    const c = hash.charCodeAt(i);
    value = (value << 4) | (c <= 57 ? c - 48 : c - 87);
  }
  return value >>> 0;
}

/** {@link prefixOf} of the hex text at `bytes[start, start + 8)`. */
function prefixOfBytes(bytes: Uint8Array, start: number): number {
  let value = 0;
  for (let i = start; i < start + 8; i++) {
    const c = bytes[i]!;
    value = (value << 4) | (c <= 57 ? c - 48 : c - 87);
  }
  return value >>> 0;
}

/**
 * Whether `text` (ASCII) is the same as the bytes at `bytes[start, start + length)`.
 * Compared from the end: callers compare only when the first 8 digits already match.
 */
function textEquals(text: string, bytes: Uint8Array, start: number, length: number): boolean {
  if (text.length !== length) return false;
  for (let i = length - 1; i >= 0; i--) if (text.charCodeAt(i) !== bytes[start + i]) return false;
  return true;
}
