import { status } from '@grpc/grpc-js';
import type { BlobAccess } from '@actiond/blobstore';
import { parseRequestDigest, TreeWalker } from '@actiond/reapi';
import { type Digest, DigestSet, SHA256 } from '@actiond/digest';
import type { Directory } from '@actiond/proto';
import { ActiondError, invalidArgument } from '@actiond/status';
import { ExpiringSet } from './expiring-set.ts';

/** Options of {@link InputRootChecker}. */
export interface InputRootCheckerOptions {
  /** Reads and parses directories; pass the one the runner uses so they share its DirectoryCache. */
  readonly walker?: TreeWalker;
  /** How long a subtree found complete is trusted without looking again; 60 s by default. */
  readonly verifiedTtlMs?: number;
  /** Most complete subtrees remembered (about 100 bytes each); 100,000 by default. */
  readonly maxVerified?: number;
  /** The clock in milliseconds; `Date.now` by default. */
  readonly now?: () => number;
}

/** Directory blobs fetched at once; a level of a wide tree goes in slices of this many. */
const FETCH_CONCURRENCY = 16;

/** A directory read during one check. */
interface Visited {
  readonly digest: Digest;
  readonly files: readonly Digest[];
  readonly children: readonly Digest[];
}

/** Marks a directory queued but not (yet, or ever) read. */
const ABSENT: Visited = Object.freeze({ digest: SHA256.emptyDigest, files: [], children: [] });

/**
 * Finds the blobs of an input tree that are not in the CAS, before an action
 * is queued, so that the client learns all of them at once (and uploads
 * them) instead of the runner failing on the first.
 *
 * Walks the Directory tree breadth-first from the root and asks the store
 * about every file digest in one FindMissing. Subtrees found complete are
 * remembered by digest for `verifiedTtlMs`: the actions of one build share
 * most of their input directories (toolchains, headers), and a remembered
 * subtree is neither read nor checked again. The memory is bounded by
 * count. A blob evicted within that window is caught by the runner, which
 * reports it in ExecuteResponse.status.
 */
export class InputRootChecker {
  readonly #blobs: BlobAccess;
  readonly #walker: TreeWalker;
  readonly #verified: ExpiringSet;

  constructor(blobs: BlobAccess, options: InputRootCheckerOptions = {}) {
    this.#blobs = blobs;
    this.#walker = options.walker ?? new TreeWalker(blobs);
    this.#verified = new ExpiringSet({
      ttlMs: options.verifiedTtlMs ?? 60_000,
      maxSize: options.maxVerified ?? 100_000,
      now: options.now,
    });
  }

  /**
   * Every blob of the tree under `root` that is not in the CAS: missing
   * directories first (breadth-first, the root itself when it is absent;
   * their subtrees cannot be known), then missing files in the order met;
   * each once. Empty when the tree is complete.
   *
   * Throws INVALID_ARGUMENT naming the directory when a Directory blob does
   * not parse or lists a malformed digest, and the store's error when it
   * fails.
   */
  async findMissing(root: Digest): Promise<Digest[]> {
    if (this.#verified.has(root.key)) return [];
    const visited = new Map<string, Visited>();
    const trusted = new Set<string>();
    /** Every directory met, breadth-first, and the files in the order met. */
    const directories: Digest[] = [];
    const files: Digest[] = [];
    const unreadable = new Set<string>();
    let level: { readonly digest: Digest; readonly path: string }[] = [{ digest: root, path: '' }];
    visited.set(root.key, ABSENT);
    while (level.length > 0) {
      const next: typeof level = [];
      for (let start = 0; start < level.length; start += FETCH_CONCURRENCY) {
        const slice = level.slice(start, start + FETCH_CONCURRENCY);
        const parsed = await Promise.all(slice.map(({ digest, path }) => this.#getDirectory(digest, path)));
        for (const [i, { digest, path }] of slice.entries()) {
          directories.push(digest);
          const directory = parsed[i];
          if (directory === undefined) {
            unreadable.add(digest.key);
            continue;
          }
          const node = this.#visit(directory, digest, path);
          visited.set(digest.key, node);
          for (const file of node.files) files.push(file);
          for (const [j, child] of node.children.entries()) {
            if (visited.has(child.key) || trusted.has(child.key)) continue;
            if (this.#verified.has(child.key)) {
              trusted.add(child.key);
              continue;
            }
            visited.set(child.key, ABSENT);
            const name = directory.directories[j]!.name;
            next.push({ digest: child, path: path === '' ? name : `${path}/${name}` });
          }
        }
      }
      level = next;
    }
    // Directories read from the walker's cache are asked about too: the
    // cache knows their content, not whether the CAS still holds them.
    const absent = await this.#blobs.findMissing(
      DigestSet.of([...directories.filter((d) => !unreadable.has(d.key)), ...files]),
    );
    const isMissing = (digest: Digest): boolean => unreadable.has(digest.key) || absent.has(digest);
    this.#rememberComplete(visited, trusted, isMissing);
    return [...DigestSet.of([...directories, ...files].filter(isMissing))];
  }

  /** The parsed directory, or undefined when its blob is not in the CAS. */
  async #getDirectory(digest: Digest, path: string): Promise<Directory | undefined> {
    try {
      return await this.#walker.getDirectory(digest, path);
    } catch (err) {
      if (err instanceof ActiondError && err.code === status.NOT_FOUND) return undefined;
      throw err;
    }
  }

  /** The blobs `directory` refers to, with file digests validated (the walker checks subdirectories). */
  #visit(directory: Directory, digest: Digest, path: string): Visited {
    const fn = this.#blobs.digestFunction;
    const where = `input directory ${path === '' ? '(the root)' : JSON.stringify(path)} (blob ${digest})`;
    const files = directory.files.map((file) => {
      try {
        return parseRequestDigest(file.digest, `the digest of file ${JSON.stringify(file.name)}`, fn);
      } catch (err) {
        throw invalidArgument(`${where} is not a valid Directory message: ${ActiondError.from(err).message}`);
      }
    });
    const children = directory.directories.map((node) => parseRequestDigest(node.digest, `${where}: subdirectory ${JSON.stringify(node.name)}`, fn));
    return { digest, files, children };
  }

  /** Remembers every visited directory whose whole subtree turned out to be present. */
  #rememberComplete(visited: ReadonlyMap<string, Visited>, trusted: ReadonlySet<string>, isMissing: (digest: Digest) => boolean): void {
    const complete = new Map<string, boolean>();
    const isComplete = (key: string): boolean => {
      if (trusted.has(key)) return true;
      const known = complete.get(key);
      if (known !== undefined) return known;
      const node = visited.get(key);
      const result =
        node !== undefined &&
        node !== ABSENT &&
        !isMissing(node.digest) &&
        node.files.every((file) => !isMissing(file)) &&
        node.children.every((child) => isComplete(child.key));
      complete.set(key, result);
      return result;
    };
    for (const key of visited.keys()) {
      if (isComplete(key)) this.#verified.add(key);
    }
  }
}
