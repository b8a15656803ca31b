import { status } from '@grpc/grpc-js';
import { Digest, type DigestFunction } from '@actiond/digest';
import type { Directory } from '@actiond/proto';
import { ActiondError, invalidArgument } from '@actiond/status';
import { checkDirectoryEntryName, joinRelative } from './directory-entry-name.ts';
import type { DirectorySource } from './directory-source.ts';

/** A regular file of an input directory, its digest parsed. */
export interface InputFile {
  readonly name: string;
  readonly digest: Digest;
  readonly executable: boolean;
}

/** A subdirectory of an input directory, its digest parsed. */
export interface InputSubdirectory {
  readonly name: string;
  readonly digest: Digest;
}

/** A symlink of an input directory; the target is created as given, never resolved. */
export interface InputSymlink {
  readonly name: string;
  readonly target: string;
}

/** One Directory message, checked (names, digests) and parsed once. */
export interface InputDirectory {
  readonly files: readonly InputFile[];
  readonly subdirectories: readonly InputSubdirectory[];
  readonly symlinks: readonly InputSymlink[];
}

/** A whole input root, ready to lay out on disk. */
export interface InputTree {
  /**
   * Every directory at every place it appears (a subtree listed twice is
   * here twice), parents before their children; `path` is relative to the
   * input root, '' for the root itself.
   */
  readonly directories: readonly { readonly path: string; readonly directory: InputDirectory }[];
  /** Directory blobs the tree names that are not in the CAS (their subtrees are skipped). */
  readonly missingDirectories: readonly Digest[];
  /** Regular files over all places. */
  readonly fileCount: number;
}

/** Directory blobs fetched at once per level of the tree. */
const FETCH_CONCURRENCY = 32;

/**
 * Reads an input root out of the CAS through a {@link DirectorySource} and
 * checks every Directory message it uses: names are single path segments
 * (not empty, `.`, `..`, no `/` or NUL), unique within their directory,
 * every file and subdirectory has a well-formed digest, every symlink a
 * non-empty target without NUL. A problem is INVALID_ARGUMENT naming the
 * path of the entry. Each distinct message is checked and parsed once per
 * loader (keyed by the source's shared, cached objects), so repeated input
 * roots cost a map lookup per directory.
 */
export class InputTreeLoader {
  readonly #source: DirectorySource;
  readonly #digestFunction: DigestFunction;
  readonly #parsed = new WeakMap<Directory, InputDirectory>();

  constructor(source: DirectorySource, digestFunction: DigestFunction) {
    this.#source = source;
    this.#digestFunction = digestFunction;
  }

  /**
   * The tree under `root`, breadth-first. A missing root or subdirectory
   * ends up in `missingDirectories` (the caller reports them together with
   * missing files as FAILED_PRECONDITION); other source errors reject.
   */
  async load(root: Digest): Promise<InputTree> {
    const directories: { path: string; directory: InputDirectory }[] = [];
    const missing = new Map<string, Digest>();
    let fileCount = 0;
    let level: { path: string; digest: Digest }[] = [{ path: '', digest: root }];
    while (level.length > 0) {
      const loaded = await this.#fetchLevel(level);
      const next: { path: string; digest: Digest }[] = [];
      for (const [i, { path, digest }] of level.entries()) {
        const message = loaded[i];
        if (message === undefined) {
          missing.set(digest.key, digest);
          continue;
        }
        const directory = this.#check(message, path);
        directories.push({ path, directory });
        fileCount += directory.files.length;
        for (const sub of directory.subdirectories) next.push({ path: joinRelative(path, sub.name), digest: sub.digest });
      }
      level = next;
    }
    return { directories, missingDirectories: [...missing.values()], fileCount };
  }

  /** The messages of one level, undefined where the blob is missing; each distinct digest fetched once. */
  async #fetchLevel(level: readonly { path: string; digest: Digest }[]): Promise<(Directory | undefined)[]> {
    const unique = new Map<string, { path: string; digest: Digest }>();
    for (const entry of level) if (!unique.has(entry.digest.key)) unique.set(entry.digest.key, entry);
    const pending = [...unique.values()];
    const fetched = new Map<string, Directory | undefined>();
    for (let start = 0; start < pending.length; start += FETCH_CONCURRENCY) {
      const batch = pending.slice(start, start + FETCH_CONCURRENCY);
      const results = await Promise.all(
        batch.map(({ digest, path }) =>
          this.#source.getDirectory(digest, path).catch((err: unknown) => {
            if (err instanceof ActiondError && err.code === status.NOT_FOUND) return undefined;
            throw err;
          }),
        ),
      );
      batch.forEach(({ digest }, i) => fetched.set(digest.key, results[i]));
    }
    return level.map(({ digest }) => fetched.get(digest.key));
  }

  #check(message: Directory, path: string): InputDirectory {
    const cached = this.#parsed.get(message);
    if (cached !== undefined) return cached;
    const names = new Set<string>();
    const claim = (name: string): string => {
      checkDirectoryEntryName(name, path);
      if (names.has(name)) {
        throw invalidArgument(`input ${JSON.stringify(joinRelative(path, name))} is listed more than once in its directory`);
      }
      names.add(name);
      return name;
    };
    const digestOf = (proto: { hash: string; sizeBytes: number } | undefined, name: string, kind: string): Digest => {
      const where = JSON.stringify(joinRelative(path, name));
      if (proto === undefined) throw invalidArgument(`input ${kind} ${where} has no digest`);
      try {
        return Digest.parse(proto.hash, proto.sizeBytes, this.#digestFunction);
      } catch (err) {
        throw invalidArgument(`input ${kind} ${where} has a malformed digest: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    const directory: InputDirectory = {
      files: message.files.map((node) => ({
        name: claim(node.name),
        digest: digestOf(node.digest, node.name, 'file'),
        executable: node.isExecutable,
      })),
      subdirectories: message.directories.map((node) => ({
        name: claim(node.name),
        digest: digestOf(node.digest, node.name, 'directory'),
      })),
      symlinks: message.symlinks.map((node) => {
        const name = claim(node.name);
        const where = JSON.stringify(joinRelative(path, name));
        if (node.target === '') throw invalidArgument(`input symlink ${where} has an empty target`);
        if (node.target.includes('\0')) throw invalidArgument(`input symlink ${where} has a target with a NUL byte`);
        return { name, target: node.target };
      }),
    };
    this.#parsed.set(message, directory);
    return directory;
  }
}
