import type { Digest } from './digest.ts';

/**
 * An immutable set of digests, deduplicated by {@link Digest.key} and iterated in
 * first-insertion order. Used for FindMissingBlobs requests and answers and for
 * the blobs an input tree references.
 */
export class DigestSet implements Iterable<Digest> {
  /** The set with no members. */
  static readonly empty: DigestSet = new DigestSet(new Map());

  readonly #byKey: ReadonlyMap<string, Digest>;

  private constructor(byKey: Map<string, Digest>) {
    this.#byKey = byKey;
    Object.freeze(this);
  }

  /** A set of the given digests; duplicates collapse to the first occurrence. */
  static of(digests: Iterable<Digest>): DigestSet {
    if (digests instanceof DigestSet) return digests;
    const byKey = new Map<string, Digest>();
    for (const digest of digests) {
      const key = digest.key;
      if (!byKey.has(key)) byKey.set(key, digest);
    }
    return byKey.size === 0 ? DigestSet.empty : new DigestSet(byKey);
  }

  /** Number of distinct digests. */
  get size(): number {
    return this.#byKey.size;
  }

  /** True when a digest with the same hash and size is a member. */
  has(digest: Digest): boolean {
    return this.#byKey.has(digest.key);
  }

  /** Members for which `keep` returns true, as a new set. */
  filter(keep: (digest: Digest) => boolean): DigestSet {
    const kept = new Map<string, Digest>();
    for (const [key, digest] of this.#byKey) if (keep(digest)) kept.set(key, digest);
    return kept.size === this.#byKey.size ? this : new DigestSet(kept);
  }

  /** Members of this set or the other. */
  union(other: Iterable<Digest>): DigestSet {
    const merged = new Map(this.#byKey);
    for (const digest of other) if (!merged.has(digest.key)) merged.set(digest.key, digest);
    return merged.size === this.#byKey.size ? this : new DigestSet(merged);
  }

  /** Members of this set that are not in the other. */
  difference(other: DigestSet): DigestSet {
    return this.filter((digest) => !other.has(digest));
  }

  /** Sum of the members' sizes, e.g. for batch size limits. */
  get totalSizeBytes(): number {
    let total = 0;
    for (const digest of this.#byKey.values()) total += digest.sizeBytes;
    return total;
  }

  /** Members as a fresh array, in insertion order. */
  toArray(): Digest[] {
    return [...this.#byKey.values()];
  }

  [Symbol.iterator](): Iterator<Digest> {
    return this.#byKey.values();
  }
}
