import type { Digest } from '@actiond/digest';
import type { Directory } from '@actiond/proto';

/**
 * Parsed Directory messages by digest, least recently used evicted first,
 * bounded by the total size of their encoded blobs. Safe to share between
 * calls and walks: a digest names one content forever. Callers must not
 * modify the Directory objects they get.
 */
export class DirectoryCache {
  /** Default bound: room for tens of thousands of typical directories. */
  static readonly DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

  readonly #maxBytes: number;
  readonly #entries = new Map<string, { readonly directory: Directory; readonly bytes: number }>();
  #bytes = 0;

  constructor(maxBytes: number = DirectoryCache.DEFAULT_MAX_BYTES) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError(`DirectoryCache needs a byte bound >= 0, got ${maxBytes}`);
    this.#maxBytes = maxBytes;
  }

  /** Directories held. */
  get size(): number {
    return this.#entries.size;
  }

  /** Encoded bytes of the directories held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The cached directory, marked most recently used; undefined if absent. */
  get(digest: Digest): Directory | undefined {
    const key = digest.key;
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.directory;
  }

  /** Caches a directory parsed from the blob `digest`; one larger than the whole bound is not cached. */
  set(digest: Digest, directory: Directory): void {
    const key = digest.key;
    const bytes = digest.sizeBytes;
    if (bytes > this.#maxBytes) return;
    const old = this.#entries.get(key);
    if (old !== undefined) {
      this.#entries.delete(key);
      this.#bytes -= old.bytes;
    }
    this.#entries.set(key, { directory, bytes });
    this.#bytes += bytes;
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= entry.bytes;
    }
  }
}
