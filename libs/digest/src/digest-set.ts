import type { Digest } from './digest.ts';

/**
 * An immutable set of digests, deduplicated by hash and size and iterated in
 * first-insertion order. Used for FindMissingBlobs requests and answers and for
 * the blobs an input tree references.
 *
 * Built for 100,000-digest FindMissingBlobs calls: members are looked up by hash
 * (a string the Map has usually hashed before) rather than by a concatenated
 * `hash/size` key, which would allocate and hash a new string per digest. The rare
 * second size for one hash goes to an overflow map keyed by {@link Digest.key}.
 */
export class DigestSet implements Iterable<Digest> {
  /** The set with no members. */
  static readonly empty: DigestSet = new DigestSet([], new Map());

  readonly #members: readonly Digest[];
  // Lookup maps, built on the first has(): subsets made by filter() are unique by
  // construction, so a FindMissingBlobs answer that is only iterated never pays for them.
  #byHash: ReadonlyMap<string, Digest> | undefined;
  #otherSizes: ReadonlyMap<string, Digest> | undefined;

  private constructor(members: Digest[], byHash?: Map<string, Digest>, otherSizes?: Map<string, Digest>) {
    this.#members = members;
    this.#byHash = byHash;
    this.#otherSizes = otherSizes;
    Object.freeze(this);
  }

  /** A set of the given digests; duplicates collapse to the first occurrence. */
  static of(digests: Iterable<Digest>): DigestSet {
    if (digests instanceof DigestSet) return digests;
    const members: Digest[] = [];
    const byHash = new Map<string, Digest>();
    let otherSizes: Map<string, Digest> | undefined;
    for (const digest of digests) {
      const first = byHash.get(digest.hash);
      if (first === undefined) {
        byHash.set(digest.hash, digest);
      } else if (first.sizeBytes === digest.sizeBytes) {
        continue;
      } else {
        otherSizes ??= new Map();
        if (otherSizes.has(digest.key)) continue;
        otherSizes.set(digest.key, digest);
      }
      members.push(digest);
    }
    return members.length === 0 ? DigestSet.empty : new DigestSet(members, byHash, otherSizes);
  }

  /** Number of distinct digests. */
  get size(): number {
    return this.#members.length;
  }

  /** True when a digest with the same hash and size is a member. */
  has(digest: Digest): boolean {
    if (this.#byHash === undefined) {
      const built = DigestSet.of(this.#members);
      this.#byHash = built.#byHash;
      this.#otherSizes = built.#otherSizes;
    }
    const first = this.#byHash!.get(digest.hash);
    if (first === undefined) return false;
    if (first.sizeBytes === digest.sizeBytes) return true;
    return this.#otherSizes?.has(digest.key) ?? false;
  }

  /** Members for which `keep` returns true, as a new set. */
  filter(keep: (digest: Digest) => boolean): DigestSet {
    const kept = this.#members.filter(keep);
    if (kept.length === this.#members.length) return this;
    return kept.length === 0 ? DigestSet.empty : new DigestSet(kept);
  }

  /** Members of this set or the other. */
  union(other: Iterable<Digest>): DigestSet {
    const merged = DigestSet.of([...this.#members, ...other]);
    return merged.size === this.size ? this : merged;
  }

  /** Members of this set that are not in the other. */
  difference(other: DigestSet): DigestSet {
    return this.filter((digest) => !other.has(digest));
  }

  /** Sum of the members' sizes, e.g. for batch size limits. */
  get totalSizeBytes(): number {
    let total = 0;
    for (const digest of this.#members) total += digest.sizeBytes;
    return total;
  }

  /** Members as a fresh array, in insertion order. */
  toArray(): Digest[] {
    return [...this.#members];
  }

  [Symbol.iterator](): Iterator<Digest> {
    return this.#members[Symbol.iterator]();
  }
}
