import { status } from '@grpc/grpc-js';
import type { BlobAccess } from '@actiond/blobstore';
import type { Digest } from '@actiond/digest';
import { Directory } from '@actiond/proto';
import { ActiondError, invalidArgument, notFound } from '@actiond/status';
import { DirectoryCache } from './directory-cache.ts';
import { parseRequestDigest } from './request-digest.ts';

/** One directory of a walked tree. */
export interface WalkedDirectory {
  readonly digest: Digest;
  /** Parsed and shared with the cache: do not modify. */
  readonly directory: Directory;
  /** Where the walk first met it, relative to the root: '' for the root, 'a/b' below. */
  readonly path: string;
}

/** How {@link TreeWalker.walk} treats subdirectories absent from the CAS. */
export interface TreeWalkOptions {
  /**
   * Called for each subdirectory that is not in the CAS (its subtree is then
   * skipped). The default ignores them, which is what GetTree does; throw to
   * stop the walk (an input materializer), or collect them (a completeness check).
   */
  readonly onMissing?: (digest: Digest, path: string) => void;
}

/** Directory blobs fetched at once while walking; the tree's shape decides how many are useful. */
const FETCH_CONCURRENCY = 16;

/**
 * Reads Directory trees out of the CAS: GetTree's pages, and later the
 * ActionCache completeness check and the executor's input materializer.
 *
 * {@link TreeWalker.walk} goes breadth-first from the root, children in the
 * order their parent lists them, each distinct directory once (a subtree
 * that appears in several places is returned at its first position). For
 * the same content the order is always the same, which is what lets GetTree
 * resume a walk from a position.
 */
export class TreeWalker {
  readonly #blobs: BlobAccess;
  readonly #cache: DirectoryCache;

  /** `cache` may be shared between walkers; a private one of the default size otherwise. */
  constructor(blobs: BlobAccess, cache: DirectoryCache = new DirectoryCache()) {
    this.#blobs = blobs;
    this.#cache = cache;
  }

  /**
   * One parsed directory. NOT_FOUND when the blob is absent; INVALID_ARGUMENT
   * naming the blob and `path` when it is not a Directory message or lists a
   * subdirectory with a malformed digest; the store's errors otherwise.
   */
  async getDirectory(digest: Digest, path = ''): Promise<Directory> {
    const cached = this.#cache.get(digest);
    if (cached !== undefined) return cached;
    const blob = await this.#blobs.get(digest);
    const directory = this.#parse(blob, digest, path);
    this.#cache.set(digest, directory);
    return directory;
  }

  /**
   * Every directory of the tree under `root`, root first, breadth-first.
   * A missing root is NOT_FOUND; missing subdirectories go to
   * `options.onMissing`. Stop early by leaving the loop.
   */
  async *walk(root: Digest, options: TreeWalkOptions = {}): AsyncGenerator<WalkedDirectory> {
    const onMissing = options.onMissing ?? (() => {});
    let rootDirectory: Directory;
    try {
      rootDirectory = await this.getDirectory(root, '');
    } catch (err) {
      if (isNotFound(err)) throw notFound(`root directory ${root} is not in the CAS`, err);
      throw err;
    }
    const seen = new Set<string>([root.key]);
    let queue: { readonly digest: Digest; readonly path: string }[] = [];
    const enqueueChildren = (directory: Directory, path: string, digest: Digest): void => {
      for (const node of directory.directories) {
        const child = this.#childDigest(node.digest, digest, path, node.name);
        if (seen.has(child.key)) continue;
        seen.add(child.key);
        queue.push({ digest: child, path: path === '' ? node.name : `${path}/${node.name}` });
      }
    };
    yield { digest: root, directory: rootDirectory, path: '' };
    enqueueChildren(rootDirectory, '', root);
    let head = 0;
    while (head < queue.length) {
      const batch = queue.slice(head, head + FETCH_CONCURRENCY);
      head += batch.length;
      if (head > 4096 && head * 2 > queue.length) {
        queue = queue.slice(head);
        head = 0;
      }
      const loaded = await Promise.all(
        batch.map((entry) =>
          this.getDirectory(entry.digest, entry.path).catch((err: unknown) => {
            if (isNotFound(err)) return undefined;
            throw err;
          }),
        ),
      );
      for (const [i, entry] of batch.entries()) {
        const directory = loaded[i];
        if (directory === undefined) {
          onMissing(entry.digest, entry.path);
          continue;
        }
        yield { digest: entry.digest, directory, path: entry.path };
        enqueueChildren(directory, entry.path, entry.digest);
      }
    }
  }

  #parse(blob: Buffer, digest: Digest, path: string): Directory {
    let directory: Directory;
    try {
      directory = Directory.decode(blob);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw invalidArgument(`blob ${digest} (directory ${describePath(path)}) is not a valid Directory message: ${reason}`);
    }
    for (const node of directory.directories) this.#childDigest(node.digest, digest, path, node.name);
    return directory;
  }

  #childDigest(proto: Directory['directories'][number]['digest'], parent: Digest, path: string, name: string): Digest {
    try {
      return parseRequestDigest(proto, `the digest of subdirectory ${JSON.stringify(name)}`, this.#blobs.digestFunction);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw invalidArgument(`directory ${describePath(path)} (blob ${parent}) is not a valid Directory message: ${reason}`);
    }
  }
}

function describePath(path: string): string {
  return path === '' ? '(the root)' : JSON.stringify(path);
}

function isNotFound(err: unknown): boolean {
  return err instanceof ActiondError && err.code === status.NOT_FOUND;
}
