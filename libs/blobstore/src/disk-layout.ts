import { join } from 'node:path';
import type { Digest, DigestFunction } from '@actiond/digest';

/** The 256 two-hex-digit shard names, "00" to "ff". */
export const SHARDS: readonly string[] = Object.freeze(
  Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0')),
);

/**
 * Where a digest-keyed store keeps its files under its directory `<dir>`:
 *
 *     <dir>/<function>/<hash[0:2]>/<hash>-<size>             entries (CAS blobs, AC entries)
 *     <dir>/executable/<function>/<hash[0:2]>/<hash>-<size>  0555 copies of CAS blobs
 *     <dir>/tmp/                                             files being written
 *
 * `<function>` is the digest function's directory name ("sha256"). The size is part
 * of the name so that listing the shard directories (readdir only, no stat per file)
 * yields complete digests: opening a store with a million blobs costs 256 readdirs.
 * Two-hex-digit shards keep directories small enough for fast lookups.
 */
export class DiskLayout {
  /** The store's directory. */
  readonly directory: string;
  /** The digest function whose digests name the entries. */
  readonly digestFunction: DigestFunction;
  /** `<dir>/<function>`: the entry shards live below. */
  readonly entriesDirectory: string;
  /** `<dir>/executable/<function>`: shards of executable copies. */
  readonly executablesDirectory: string;
  /** `<dir>/tmp`: temp files, same filesystem. */
  readonly tempDirectory: string;

  constructor(directory: string, digestFunction: DigestFunction) {
    this.directory = directory;
    this.digestFunction = digestFunction;
    this.entriesDirectory = join(directory, digestFunction.directoryName);
    this.executablesDirectory = join(directory, 'executable', digestFunction.directoryName);
    this.tempDirectory = join(directory, 'tmp');
  }

  /** Path of the entry for a digest. */
  entryPath(digest: Digest): string {
    return join(this.entriesDirectory, digest.hash.slice(0, 2), fileName(digest));
  }

  /** Path of the executable copy of a blob. */
  executablePath(digest: Digest): string {
    return join(this.executablesDirectory, digest.hash.slice(0, 2), fileName(digest));
  }

  /**
   * The hash and size a file name in shard `shard` stands for, or undefined if the
   * name is not one this layout produces (it is then ignored, never deleted).
   */
  parseEntryName(shard: string, name: string): { hash: string; sizeBytes: number } | undefined {
    const length = this.digestFunction.hashLengthHex;
    if (name.charCodeAt(length) !== 0x2d /* '-' */ || !name.startsWith(shard)) return undefined;
    const hash = name.slice(0, length);
    const size = name.slice(length + 1);
    if (!HEX.test(hash) || !DECIMAL.test(size)) return undefined;
    const sizeBytes = Number(size);
    // A slice of the directory entry's name is a V8 "sliced string" that points into
    // it; index keys copied flat make the existence index's lookups about twice as fast.
    return Number.isSafeInteger(sizeBytes) ? { hash: Buffer.from(hash, 'latin1').toString('latin1'), sizeBytes } : undefined;
  }
}

const HEX = /^[0-9a-f]+$/;
const DECIMAL = /^(0|[1-9][0-9]*)$/;

function fileName(digest: Digest): string {
  return `${digest.hash}-${digest.sizeBytes}`;
}
