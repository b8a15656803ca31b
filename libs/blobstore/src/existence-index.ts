import { randomBytes } from 'node:crypto';
import type { Digest } from '@actiond/digest';

const EMPTY_SLOT = -1;
const INITIAL_BITS = 10;
const INITIAL_ENTRIES = 1 << (INITIAL_BITS - 1);
/** Hex digits of a hash that make up its 32-bit prefix. */
const PREFIX_DIGITS = 8;
/** The value of each lowercase hex digit's byte; anything else is not asked about (callers validate). */
const HEX_VALUE = new Uint8Array(256);
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;

/** Options of {@link ExistenceIndex}. */
export interface ExistenceIndexOptions {
  /** Hex digits of every hash indexed: the store's digest function's `hashLengthHex` (64, SHA-256's, by default). */
  readonly hashLengthHex?: number;
  /** Mixes the slot function; random unless a test fixes it for reproducibility. */
  readonly seed?: number;
}

/**
 * The blobs a store holds, in memory: hash → size. FindMissingBlobs answers from it
 * without touching the disk; the disk store fills it at open from directory
 * listings and updates it on every store and removal.
 *
 * Why not a `Map<string, number>`: a lookup there hashes the 64-character probe
 * string first (every FindMissingBlobs digest would be a fresh string), and a
 * FindMissingBlobs request need not be made into strings at all
 * ({@link ExistenceIndex.hasHex} looks hashes up where they lie in its bytes).
 * This table instead uses the first 8 hex digits of the hash (already uniformly
 * random), mixed with a random per-process seed (so crafted blobs cannot pile into
 * one probe chain), as the slot of an open-addressing table in typed arrays; the
 * full hash is compared only when those 32 bits match.
 *
 * Layout: `#slots[2i]` is the entry index stored in slot i (or EMPTY_SLOT) and
 * `#slots[2i + 1]` its 32-bit prefix, side by side so that a probe reads one
 * cache line; entries are dense, the hashes as bytes (not hex) in `#hashes`, the
 * sizes in `#sizes` (removal moves the last entry into the hole). Linear probing,
 * at most half full, deletion by backward shift (no tombstones). Memory for
 * SHA-256 is about 56 bytes per blob (32 of hash, 8 of size, 8 to 16 of slots):
 * a million blobs cost about 56 MB, where strings in arrays cost twice that.
 */
export class ExistenceIndex {
  readonly #seed: number;
  /** Bytes of each stored hash (half its hex digits). */
  readonly #width: number;
  #bits = INITIAL_BITS;
  #mask = (1 << INITIAL_BITS) - 1;
  #slots = new Int32Array(2 << INITIAL_BITS).fill(EMPTY_SLOT);
  #hashes: Uint8Array;
  #sizes = new Float64Array(INITIAL_ENTRIES);
  #count = 0;

  constructor(options: ExistenceIndexOptions = {}) {
    const hashLengthHex = options.hashLengthHex ?? 64;
    if (!Number.isInteger(hashLengthHex) || hashLengthHex < PREFIX_DIGITS || hashLengthHex % 2 !== 0) {
      throw new RangeError(`an existence index needs hashes of an even number of hex digits, at least ${PREFIX_DIGITS}; got ${hashLengthHex}`);
    }
    this.#width = hashLengthHex / 2;
    this.#hashes = new Uint8Array(INITIAL_ENTRIES * this.#width);
    this.#seed = (options.seed ?? randomBytes(4).readUInt32LE(0)) >>> 0;
  }

  /** Number of blobs indexed. */
  get count(): number {
    return this.#count;
  }

  /** True when a blob with this hash and exactly this size is indexed. */
  has(digest: Digest): boolean {
    const slot = this.#slotOfText(digest.hash);
    return slot !== EMPTY_SLOT && this.#sizes[this.#slots[2 * slot]!] === digest.sizeBytes;
  }

  /**
   * {@link ExistenceIndex.has} for a hash still in a request's bytes: true when a blob
   * is indexed whose hash is the text in `bytes[start, start + length)` and whose size
   * is exactly `sizeBytes`. No string is made: FindMissingBlobs asks this 100,000
   * times per call straight from the protobuf. The caller has checked that the text
   * is lowercase hex.
   */
  hasHex(bytes: Uint8Array, start: number, length: number, sizeBytes: number): boolean {
    if (length !== 2 * this.#width) return false;
    let prefix = 0;
    for (let i = start; i < start + PREFIX_DIGITS; i++) prefix = (prefix << 4) | HEX_VALUE[bytes[i]!]!;
    const slots = this.#slots;
    const hashes = this.#hashes;
    const width = this.#width;
    for (let i = this.#home(prefix); ; i = (i + 1) & this.#mask) {
      const entry = slots[2 * i]!;
      if (entry === EMPTY_SLOT) return false;
      if (slots[2 * i + 1] !== prefix) continue;
      // The prefix (the first 4 bytes) matched; compare the rest, from the end (where
      // hashes built to share a prefix differ). Hashes are unique: the first match decides.
      const base = entry * width;
      let k = width - 1;
      for (let at = start + 2 * k; k >= PREFIX_DIGITS / 2; k--, at -= 2) {
        if (hashes[base + k] !== ((HEX_VALUE[bytes[at]!]! << 4) | HEX_VALUE[bytes[at + 1]!]!)) break;
      }
      if (k < PREFIX_DIGITS / 2) return this.#sizes[entry] === sizeBytes;
    }
  }

  /** Records a stored blob (a second size for the same hash replaces the first); `hash` is lowercase hex of the index's length. */
  add(hash: string, sizeBytes: number): void {
    if (hash.length !== 2 * this.#width) {
      throw new RangeError(`hash ${JSON.stringify(hash)} has ${hash.length} hex digits; this index holds hashes of ${2 * this.#width}`);
    }
    const slot = this.#slotOfText(hash);
    if (slot !== EMPTY_SLOT) {
      this.#sizes[this.#slots[2 * slot]!] = sizeBytes;
      return;
    }
    if ((this.#count + 1) * 2 > this.#mask + 1) this.#grow();
    const entry = this.#count;
    if (entry === this.#sizes.length) this.#growEntries();
    const base = entry * this.#width;
    for (let k = 0; k < this.#width; k++) {
      this.#hashes[base + k] = (HEX_VALUE[hash.charCodeAt(2 * k)]! << 4) | HEX_VALUE[hash.charCodeAt(2 * k + 1)]!;
    }
    this.#sizes[entry] = sizeBytes;
    this.#count++;
    this.#insert(entry, this.#prefixOfEntry(entry));
  }

  /** Forgets a blob; a different size under the same hash stays. */
  remove(digest: Digest): void {
    const slot = this.#slotOfText(digest.hash);
    if (slot === EMPTY_SLOT) return;
    const entry = this.#slots[2 * slot]!;
    if (this.#sizes[entry] !== digest.sizeBytes) return;
    this.#deleteSlot(slot);
    const last = this.#count - 1;
    if (entry !== last) {
      // The last entry moves into the hole; its slot is found by its prefix and index.
      const slots = this.#slots;
      const prefix = this.#prefixOfEntry(last);
      let i = this.#home(prefix);
      while (slots[2 * i] !== last) i = (i + 1) & this.#mask;
      slots[2 * i] = entry;
      const width = this.#width;
      this.#hashes.copyWithin(entry * width, last * width, last * width + width);
      this.#sizes[entry] = this.#sizes[last]!;
    }
    this.#count--;
  }

  #home(prefix: number): number {
    return Math.imul(prefix ^ this.#seed, 0x9e3779b1) >>> (32 - this.#bits);
  }

  /** The 32-bit prefix of a stored entry's hash (its first 4 bytes, big-endian), as an int32 like the slots hold. */
  #prefixOfEntry(entry: number): number {
    const base = entry * this.#width;
    const h = this.#hashes;
    return (h[base]! << 24) | (h[base + 1]! << 16) | (h[base + 2]! << 8) | h[base + 3]!;
  }

  /** The slot holding the hash given as hex text, or EMPTY_SLOT. */
  #slotOfText(hash: string): number {
    if (hash.length !== 2 * this.#width) return EMPTY_SLOT;
    let prefix = 0;
    for (let i = 0; i < PREFIX_DIGITS; i++) prefix = (prefix << 4) | HEX_VALUE[hash.charCodeAt(i)]!;
    const slots = this.#slots;
    const hashes = this.#hashes;
    const width = this.#width;
    for (let i = this.#home(prefix); ; i = (i + 1) & this.#mask) {
      const entry = slots[2 * i]!;
      if (entry === EMPTY_SLOT) return EMPTY_SLOT;
      if (slots[2 * i + 1] !== prefix) continue;
      const base = entry * width;
      let k = width - 1;
      for (; k >= PREFIX_DIGITS / 2; k--) {
        if (hashes[base + k] !== ((HEX_VALUE[hash.charCodeAt(2 * k)]! << 4) | HEX_VALUE[hash.charCodeAt(2 * k + 1)]!)) break;
      }
      if (k < PREFIX_DIGITS / 2) return i;
    }
  }

  #insert(entry: number, prefix: number): void {
    const slots = this.#slots;
    let i = this.#home(prefix);
    while (slots[2 * i] !== EMPTY_SLOT) i = (i + 1) & this.#mask;
    slots[2 * i] = entry;
    slots[2 * i + 1] = prefix;
  }

  /** Empties slot `hole` and shifts later members of its probe run back, so no lookup stops early. */
  #deleteSlot(hole: number): void {
    const slots = this.#slots;
    slots[2 * hole] = EMPTY_SLOT;
    for (let i = (hole + 1) & this.#mask; slots[2 * i] !== EMPTY_SLOT; i = (i + 1) & this.#mask) {
      const home = this.#home(slots[2 * i + 1]!);
      // The entry at i may move into the hole only if its home is not cyclically within (hole, i].
      const staysPut = hole <= i ? hole < home && home <= i : hole < home || home <= i;
      if (staysPut) continue;
      slots[2 * hole] = slots[2 * i]!;
      slots[2 * hole + 1] = slots[2 * i + 1]!;
      slots[2 * i] = EMPTY_SLOT;
      hole = i;
    }
  }

  /** Doubles the slot table and places every entry again. */
  #grow(): void {
    this.#bits++;
    this.#mask = (1 << this.#bits) - 1;
    this.#slots = new Int32Array(2 << this.#bits).fill(EMPTY_SLOT);
    for (let entry = 0; entry < this.#count; entry++) this.#insert(entry, this.#prefixOfEntry(entry));
  }

  /** Doubles the room for entries. */
  #growEntries(): void {
    const hashes = new Uint8Array(this.#hashes.length * 2);
    hashes.set(this.#hashes);
    this.#hashes = hashes;
    const sizes = new Float64Array(this.#sizes.length * 2);
    sizes.set(this.#sizes);
    this.#sizes = sizes;
  }
}
