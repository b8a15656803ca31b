import type { Digest } from '@actiond/digest';

/**
 * The blobs a store holds, in memory: hash → size. FindMissingBlobs answers from it
 * without touching the disk (100,000 lookups are a few milliseconds of Map.get).
 * The disk store fills it at open from directory listings and updates it on every
 * store and removal.
 *
 * Memory: roughly 100 bytes per blob (a 64-character key plus a Map slot), so a
 * million blobs cost about 100 MB.
 */
export class ExistenceIndex {
  readonly #sizes = new Map<string, number>();

  /** Number of blobs indexed. */
  get count(): number {
    return this.#sizes.size;
  }

  /** True when a blob with this hash and exactly this size is indexed. */
  has(digest: Digest): boolean {
    return this.#sizes.get(digest.hash) === digest.sizeBytes;
  }

  /** Records a stored blob. */
  add(hash: string, sizeBytes: number): void {
    this.#sizes.set(hash, sizeBytes);
  }

  /** Forgets a blob; a different size under the same hash stays. */
  remove(digest: Digest): void {
    if (this.has(digest)) this.#sizes.delete(digest.hash);
  }
}
