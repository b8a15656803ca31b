import { chmodSync, closeSync, constants, copyFileSync, linkSync, mkdirSync, openSync, symlinkSync } from 'node:fs';
import { status } from '@grpc/grpc-js';
import type { BlobFiles } from '@actiond/blobstore';
import type { Digest } from '@actiond/digest';
import { ActiondError, internal, missingBlobs, resourceExhausted } from '@actiond/status';
import { joinRelative } from './directory-entry-name.ts';
import type { InputDirectory, InputTree, InputTreeLoader } from './input-tree-loader.ts';

/**
 * Mode of every input directory: root-owned (the server runs as root) and
 * world-writable with the sticky bit, like /tmp. The action, running as an
 * unprivileged uid, may create files anywhere in its inputs (outputs next to
 * sources, tool scratch files), but the sticky bit keeps it from deleting or
 * renaming what it does not own: the inputs, which are root-owned blob files.
 */
export const INPUT_DIRECTORY_MODE = 0o1777;

/** What one materialization did, for timings and logs. */
export interface MaterializationStats {
  /**
   * Files made available without copying bytes: hard links to CAS blob files,
   * and empty files created anew (linking one blob file from every empty
   * input would run into the filesystem's link limit).
   */
  readonly filesLinked: number;
  readonly bytesLinked: number;
  /**
   * Files whose bytes were copied: link fallbacks (EMLINK: the blob has the
   * filesystem's maximum of links; EXDEV: the CAS is on another filesystem)
   * and first-time executable variants of blobs made by the CAS.
   */
  readonly filesCopied: number;
  readonly bytesCopied: number;
  /** Directories created, the root included. */
  readonly directories: number;
  readonly symlinks: number;
}

/**
 * Lays out an input root as a fresh directory of hard links to CAS blob
 * files: executables link the CAS's 0555 variant, other files the 0444 blob,
 * symlinks are created as symlinks (their targets never resolved), and every
 * directory gets {@link INPUT_DIRECTORY_MODE}. No bytes are copied except
 * where a link is impossible, and those copies are counted.
 *
 * The directory walk and blob lookups are asynchronous; creating the entries
 * is one synchronous loop of system calls: per-file promises cost more than
 * the link(2) itself (bench: see the package README).
 *
 * Errors: INVALID_ARGUMENT for a malformed Directory (from the loader,
 * naming the path); FAILED_PRECONDITION with one MISSING violation per blob
 * (directories and files) absent from the CAS, which clients answer by
 * uploading them; RESOURCE_EXHAUSTED when the disk is full; INTERNAL
 * otherwise, naming the path. On failure the partial directory is left for
 * the caller to remove.
 */
export class ExecrootMaterializer {
  readonly #loader: InputTreeLoader;
  readonly #blobs: BlobFiles;
  readonly #emptyDigest: Digest;
  /**
   * The blob file each file of a directory links ('' for the empty blob),
   * index for index with its `files`: a digest's path never changes, and
   * the loader hands out the same InputDirectory object for the same
   * Directory while it is cached, so a repeated input tree needs no lookups.
   */
  readonly #sources = new WeakMap<InputDirectory, string[]>();

  constructor(loader: InputTreeLoader, blobs: BlobFiles, emptyDigest: Digest) {
    this.#loader = loader;
    this.#blobs = blobs;
    this.#emptyDigest = emptyDigest;
  }

  /** Creates `target` (which must not exist; its parent must) holding the tree under `inputRoot`. */
  async materialize(inputRoot: Digest, target: string): Promise<MaterializationStats> {
    const tree = await this.#loader.load(inputRoot);
    const { sources, copies } = await this.#resolveSources(tree);
    return this.#create(tree, sources, target, copies);
  }

  /**
   * The blob paths of every directory's files, from the cache or looked up
   * (and then cached); blobs missing from the CAS end the materialization
   * (FAILED_PRECONDITION, together with missing directories). Also returns
   * the executable variants the CAS had to copy for this.
   */
  async #resolveSources(
    tree: InputTree,
  ): Promise<{ sources: Map<InputDirectory, string[]>; copies: { files: number; bytes: number } }> {
    const missing = new Map<string, Digest>(tree.missingDirectories.map((digest) => [digest.key, digest]));
    const copies = { files: 0, bytes: 0 };
    const pending: Promise<void>[] = [];
    const notFound = (err: unknown, digest: Digest): void => {
      if (!(err instanceof ActiondError && err.code === status.NOT_FOUND)) throw err;
      missing.set(digest.key, digest);
    };
    const sources = new Map<InputDirectory, string[]>();
    const resolved = new Map<InputDirectory, string[]>();
    for (const { directory } of tree.directories) {
      if (sources.has(directory) || resolved.has(directory)) continue;
      const cached = this.#sources.get(directory);
      if (cached !== undefined) {
        sources.set(directory, cached);
        continue;
      }
      const paths = new Array<string>(directory.files.length).fill('');
      resolved.set(directory, paths);
      directory.files.forEach((file, i) => {
        if (file.digest.equals(this.#emptyDigest)) return;
        if (!file.executable) {
          try {
            paths[i] = this.#blobs.pathOf(file.digest);
          } catch (err) {
            notFound(err, file.digest);
          }
          return;
        }
        pending.push(
          this.#blobs.executablePathOf(file.digest).then(
            ({ path, copied }) => {
              paths[i] = path;
              if (copied) {
                copies.files++;
                copies.bytes += file.digest.sizeBytes;
              }
            },
            (err: unknown) => notFound(err, file.digest),
          ),
        );
      });
    }
    await Promise.all(pending);
    if (missing.size > 0) throw missingBlobs([...missing.values()]);
    // Cached only once complete: a concurrent materialization must never see a half-filled list.
    for (const [directory, paths] of resolved) {
      this.#sources.set(directory, paths);
      sources.set(directory, paths);
    }
    return { sources, copies };
  }

  #create(
    tree: InputTree,
    sourcesOf: ReadonlyMap<InputDirectory, readonly string[]>,
    target: string,
    executableCopies: { files: number; bytes: number },
  ): MaterializationStats {
    let filesLinked = 0;
    let bytesLinked = 0;
    let filesCopied = executableCopies.files;
    let bytesCopied = executableCopies.bytes;
    let symlinks = 0;
    for (const { path, directory } of tree.directories) {
      const dir = path === '' ? target : `${target}/${path}`;
      syscall(path, () => {
        mkdirSync(dir, 0o755);
        chmodSync(dir, INPUT_DIRECTORY_MODE);
      });
      const sources = sourcesOf.get(directory)!;
      const files = directory.files;
      for (let i = 0; i < files.length; i++) {
        const file = files[i]!;
        const destination = `${dir}/${file.name}`;
        const source = sources[i]!;
        if (source === '') {
          // The empty blob: a new empty file rather than one more link to a single inode.
          syscall(joinRelative(path, file.name), () => closeSync(openSync(destination, 'wx', file.executable ? 0o555 : 0o444)));
          filesLinked++;
          continue;
        }
        try {
          linkSync(source, destination);
          filesLinked++;
          bytesLinked += file.digest.sizeBytes;
        } catch (err) {
          const code = errnoOf(err);
          if (code === 'ENOENT') {
            // The blob file is gone (removed as damaged, say): forget the cached paths, so that
            // the client's re-upload (it reacts to MISSING) is looked up afresh.
            this.#sources.delete(directory);
            throw missingBlobs([file.digest]);
          }
          const relative = joinRelative(path, file.name);
          if (code !== 'EMLINK' && code !== 'EXDEV') throw fileSystemError(err, relative);
          // copyFile gives the copy the source's mode (0444 or 0555); we are root, so root owns it.
          syscall(relative, () => copyFileSync(source, destination, constants.COPYFILE_FICLONE));
          filesCopied++;
          bytesCopied += file.digest.sizeBytes;
        }
      }
      for (const link of directory.symlinks) {
        const destination = `${dir}/${link.name}`;
        syscall(joinRelative(path, link.name), () => symlinkSync(link.target, destination));
        symlinks++;
      }
    }
    return { filesLinked, bytesLinked, filesCopied, bytesCopied, directories: tree.directories.length, symlinks };
  }
}

/** Runs one creation step for the input at `path` (relative to the input root; '' is the root). */
function syscall(path: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    throw fileSystemError(err, path);
  }
}

function errnoOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

function fileSystemError(err: unknown, path: string): ActiondError {
  if (err instanceof ActiondError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  const what = path === '' ? 'the input root' : `input ${JSON.stringify(path)}`;
  const code = errnoOf(err);
  if (code === 'ENOSPC' || code === 'EDQUOT') return resourceExhausted(`creating ${what}: ${reason}`, err);
  return internal(`creating ${what}: ${reason}`, err);
}
