import type { Digest } from '@actiond/digest';

/** What {@link BlobFiles.executablePathOf} returns. */
export interface ExecutableBlobFile {
  /** A file with the blob's content and mode 0555, never modified; hardlink it, do not write it. */
  readonly path: string;
  /** True when this call had to create the file by copying the blob (a counted copy). */
  readonly copied: boolean;
}

/**
 * Blobs as files on the local filesystem, for the execution service: it builds input
 * trees by hardlinking these files into per-action directories and moves outputs into
 * the store by rename, so the common path copies no bytes.
 *
 * Contract: every path returned is a regular, read-only file owned by the server,
 * on the same filesystem as the store, that nobody modifies in place; hardlinks to it
 * therefore stay valid and unchanged even if the store later replaces or drops the name.
 */
export interface BlobFiles {
  /**
   * The file holding a stored blob (mode 0444). NOT_FOUND if the blob is not stored.
   * The empty blob always has a file.
   */
  pathOf(digest: Digest): string;
  /**
   * A file with the blob's content and mode 0555 for inputs marked `is_executable`.
   * Hardlinks share their inode's mode, so this is a separate inode: created by copying
   * on first request, then reused. NOT_FOUND if the blob is not stored.
   */
  executablePathOf(digest: Digest): Promise<ExecutableBlobFile>;
  /**
   * Moves a regular file into the store and returns its digest; afterwards `path` no
   * longer exists. The file is hashed; if `expected` is given and differs,
   * INVALID_ARGUMENT and the file stays where it was. If the blob was already stored,
   * the file is dropped. It is renamed when possible and copied (counted) when it is
   * on another filesystem or has other hardlinks. No process may still hold the file
   * open for writing (kill the action's processes first).
   */
  adoptFile(path: string, expected?: Digest): Promise<Digest>;
}
