import * as fs from 'node:fs';
import { renameSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { status } from '@grpc/grpc-js';
import type { BlobFiles } from '@actiond/blobstore';
import type { Digest } from '@actiond/digest';
import { ActiondError, internal, missingBlobs, resourceExhausted } from '@actiond/status';
import { joinRelative } from './directory-entry-name.ts';
import type { InputDirectory, InputFile, InputTree, InputTreeLoader } from './input-tree-loader.ts';
import { LINK_ENTRY_KIND, type LinkJob, type LinkJobFailure } from './link-job.ts';
import { SizeSwitchingTreeLinker } from './size-switching-tree-linker.ts';
import { blobsUnchanged, checkLinkedTree } from './linked-tree-check.ts';
import { defaultSpareExecrootPool, type MadeTree, type SpareExecrootPool } from './spare-execroot-pool.ts';
import { SynchronousTreeLinker } from './synchronous-tree-linker.ts';
import type { TreeLinker } from './tree-linker.ts';
import { WorkerPoolTreeLinker } from './worker-pool-tree-linker.ts';

/**
 * Mode of every input directory: root-owned (the server runs as root) and
 * world-writable with the sticky bit, like /tmp. The action, running as an
 * unprivileged uid, may create files anywhere in its inputs (outputs next to
 * sources, tool scratch files), but the sticky bit keeps it from deleting or
 * renaming what it does not own: the inputs, which are root-owned blob files.
 */
export const INPUT_DIRECTORY_MODE = 0o1777;

/**
 * Trees with fewer directories and entries than this are made on the
 * calling thread: below it, a round trip to the worker threads (two
 * messages, waking them) costs about what the system calls do.
 */
export const THREADED_LINK_THRESHOLD = 256;

let sharedLinker: TreeLinker | undefined;
let nextMaterializerId = 0;

/**
 * The process-wide default linker: in place below
 * {@link THREADED_LINK_THRESHOLD}, otherwise one shared
 * {@link WorkerPoolTreeLinker} (threads are a resource of the process, not
 * of each materializer; they start on first use and never keep it alive).
 */
export function defaultTreeLinker(): TreeLinker {
  sharedLinker ??= new SizeSwitchingTreeLinker(new SynchronousTreeLinker(), new WorkerPoolTreeLinker(), THREADED_LINK_THRESHOLD);
  return sharedLinker;
}

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
  /** True when a kept tree of an earlier action was renamed into place instead ({@link SpareExecrootPool}). */
  readonly reused: boolean;
}

/**
 * Lays out an input root as a fresh directory of hard links to CAS blob
 * files: executables link the CAS's 0555 variant, other files the 0444 blob,
 * symlinks are created as symlinks (their targets never resolved), and every
 * directory gets {@link INPUT_DIRECTORY_MODE}. No bytes are copied except
 * where a link is impossible, and those copies are counted.
 *
 * The directory walk and blob lookups are asynchronous; the tree is then
 * handed as one {@link LinkJob} to a {@link TreeLinker}: by default small
 * trees are made in place (one synchronous loop of system calls; per-file
 * promises would cost more than the link(2) itself), large ones on a
 * process-wide pool of worker threads, several directories at once, which
 * leaves the event loop free (bench: see the package README).
 *
 * Through a {@link SpareExecrootPool} (shared with the executor's
 * BackgroundDirectoryRemover, by default the process-wide one), a finished
 * tree of the same input root that
 * the remover checked and kept is checked once more (`blobsUnchanged`: it
 * must still link the CAS's current blob files) and renamed into place
 * instead; the stats then say `reused`.
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
  readonly #linker: TreeLinker;
  readonly #pool: SpareExecrootPool;
  /** Keys spares to this materializer: another one's trees link another CAS's files. */
  readonly #id = nextMaterializerId++;

  /**
   * `linker`: what creates the files; {@link defaultTreeLinker} unless
   * given. `pool`: where finished execroots come back from the
   * BackgroundDirectoryRemover for reuse (both must have the same one); the
   * process-wide one unless given.
   */
  constructor(
    loader: InputTreeLoader,
    blobs: BlobFiles,
    emptyDigest: Digest,
    linker: TreeLinker = defaultTreeLinker(),
    pool: SpareExecrootPool = defaultSpareExecrootPool(),
  ) {
    this.#loader = loader;
    this.#blobs = blobs;
    this.#emptyDigest = emptyDigest;
    this.#linker = linker;
    this.#pool = pool;
  }

  /** Creates `target` (which must not exist; its parent must) holding the tree under `inputRoot`. */
  async materialize(inputRoot: Digest, target: string): Promise<MaterializationStats> {
    // Threads start while the tree loads, not after.
    this.#linker.warmUp();
    const tree = await this.#loader.load(inputRoot);
    // Every blob is still looked up (cached): a missing one is MISSING even when a kept tree still links it.
    const { sources, copies } = await this.#resolveSources(tree);
    const symlinks = tree.directories.reduce((n, { directory }) => n + directory.symlinks.length, 0);
    const key = `${this.#id}:${inputRoot.key}`;
    const spare = this.#pool.take(key);
    // Checked again now, not only when kept: a blob may have left the CAS since (found damaged,
    // say), and the client's new upload of it is another inode. A failed check is a fresh tree.
    if (spare !== undefined && this.#stillGood(spare.tree, spare.path)) {
      try {
        renameSync(spare.path, target);
        this.#pool.made(target, spare.tree);
        const bytes = tree.directories.reduce((n, { directory }) => directory.files.reduce((m, f) => m + f.digest.sizeBytes, n), 0);
        return { filesLinked: tree.fileCount, bytesLinked: bytes, filesCopied: copies.files, bytesCopied: copies.bytes, directories: tree.directories.length, symlinks, reused: true };
      } catch {
        // The spare is gone or the target taken: make the tree anew (which reports the latter).
      }
    }
    const { job, bytes } = this.#job(tree, sources, target);
    const outcome = await this.#linker.link(job);
    if (outcome.failure !== undefined) throw this.#failure(tree, job, outcome.failure);
    // A tree with copies is never kept: a copy is not its blob's inode, so the check would refuse it anyway.
    if (outcome.copied.length === 0) this.#pool.made(target, { key, job });
    let copiedBytes = 0;
    for (const entry of outcome.copied) copiedBytes += this.#entryOf(tree, job, directoryOfEntry(job, entry), entry).file!.digest.sizeBytes;
    return {
      filesLinked: tree.fileCount - outcome.copied.length,
      bytesLinked: bytes - copiedBytes,
      filesCopied: copies.files + outcome.copied.length,
      bytesCopied: copies.bytes + copiedBytes,
      directories: tree.directories.length,
      symlinks,
      reused: false,
    };
  }

  /**
   * Whether the kept tree at `path` still links the CAS's current blob
   * files (the remover checked the rest when it kept it); removes it if not.
   */
  #stillGood(tree: MadeTree, path: string): boolean {
    let good: boolean;
    try {
      good = tree.inodes !== undefined ? blobsUnchanged(tree.job, tree.inodes, fs) : checkLinkedTree(tree.job, path, fs).problem === '';
    } catch {
      good = false;
    }
    if (good) return true;
    void rm(path, { recursive: true, force: true }).catch(() => {});
    return false;
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

  /**
   * The tree as one {@link LinkJob} for the linker: its directories in the
   * loader's order (parents first), each with its files (in order) and then
   * its symlinks, which is how {@link #entryOf} finds an entry again.
   */
  #job(tree: InputTree, sourcesOf: ReadonlyMap<InputDirectory, readonly string[]>, target: string): { job: LinkJob; bytes: number } {
    const count = tree.directories.length;
    const parents = new Int32Array(count);
    const firstString = new Int32Array(count);
    const firstEntry = new Int32Array(count + 1);
    const kinds: number[] = [];
    const strings: string[] = [];
    const indexOf = new Map<string, number>();
    let bytes = 0;
    for (let d = 0; d < count; d++) {
      const { path, directory } = tree.directories[d]!;
      indexOf.set(path, d);
      const slash = path.lastIndexOf('/');
      parents[d] = path === '' ? -1 : indexOf.get(slash < 0 ? '' : path.slice(0, slash))!;
      firstString[d] = strings.length;
      firstEntry[d] = kinds.length;
      strings.push(path);
      const sources = sourcesOf.get(directory)!;
      const files = directory.files;
      for (let i = 0; i < files.length; i++) {
        const file = files[i]!;
        const source = sources[i]!;
        strings.push(file.name);
        if (source === '') {
          // The empty blob: a new empty file rather than one more link to a single inode.
          kinds.push(file.executable ? LINK_ENTRY_KIND.emptyExecutable : LINK_ENTRY_KIND.emptyFile);
        } else {
          kinds.push(LINK_ENTRY_KIND.link);
          strings.push(source);
          bytes += file.digest.sizeBytes;
        }
      }
      for (const link of directory.symlinks) {
        kinds.push(LINK_ENTRY_KIND.symlink);
        strings.push(link.name, link.target);
      }
    }
    firstEntry[count] = kinds.length;
    const job: LinkJob = {
      target,
      directoryMode: INPUT_DIRECTORY_MODE,
      strings: strings.join('\0'),
      parents,
      firstString,
      firstEntry,
      kinds: Uint8Array.from(kinds),
    };
    return { job, bytes };
  }

  /** The directory and the file or symlink behind entry `entry` of `job` (of directory `d`). */
  #entryOf(
    tree: InputTree,
    job: LinkJob,
    d: number,
    entry: number,
  ): { path: string; directory: InputDirectory; file: InputFile | undefined; name: string } {
    const { path, directory } = tree.directories[d]!;
    const k = entry - job.firstEntry[d]!;
    const file = k < directory.files.length ? directory.files[k] : undefined;
    const name = file?.name ?? directory.symlinks[k - directory.files.length]!.name;
    return { path, directory, file, name };
  }

  /** The client-facing error for a job's first failure. */
  #failure(tree: InputTree, job: LinkJob, failure: LinkJobFailure): ActiondError {
    const error = Object.assign(new Error(failure.message), failure.code === undefined ? {} : { code: failure.code });
    if (failure.entry < 0) return fileSystemError(error, tree.directories[failure.directory]?.path ?? '');
    const { path, directory, file, name } = this.#entryOf(tree, job, failure.directory, failure.entry);
    if (failure.code === 'ENOENT' && file !== undefined && job.kinds[failure.entry] === LINK_ENTRY_KIND.link) {
      // The blob file is gone (removed as damaged, say): forget the cached paths, so that
      // the client's re-upload (it reacts to MISSING) is looked up afresh.
      this.#sources.delete(directory);
      return missingBlobs([file.digest]);
    }
    return fileSystemError(error, joinRelative(path, name));
  }
}

/** The directory whose entries include `entry` (binary search over `firstEntry`). */
function directoryOfEntry(job: LinkJob, entry: number): number {
  let low = 0;
  let high = job.parents.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (job.firstEntry[mid]! <= entry) low = mid;
    else high = mid - 1;
  }
  return low;
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
