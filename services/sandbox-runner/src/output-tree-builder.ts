import { lstat, readdir, readlink } from 'node:fs/promises';
import type { BlobAccess, BlobFiles } from '@actiond/blobstore';
import type { Digest } from '@actiond/digest';
import { Directory, Tree } from '@actiond/proto';
import type { DirectoryNode, FileNode, SymlinkNode } from '@actiond/proto';
import { failedPrecondition } from '@actiond/status';

/** An output directory stored in the CAS. */
export interface StoredTree {
  /** Digest of the encoded Tree (`OutputDirectory.tree_digest`). */
  readonly treeDigest: Digest;
  /** Digest of the root Directory (`OutputDirectory.root_directory_digest`). */
  readonly rootDigest: Digest;
  /** Regular files moved into the CAS, and their bytes. */
  readonly files: number;
  readonly bytes: number;
}

/** Files adopted into the CAS at once while building a tree. */
const ADOPT_CONCURRENCY = 16;

/**
 * Turns an output directory on disk into a canonical Tree in the CAS: each
 * Directory lists files, subdirectories and symlinks sorted by the UTF-8
 * bytes of their names, without node properties; `children` holds every
 * distinct subdirectory once, parents before children (so the result may
 * say `is_topologically_sorted`). Clients recompute the digests of the
 * Directory messages they get (Bazel 4 fails on a non-canonical one).
 *
 * Regular files are moved into the CAS (hashed, then renamed; copied when
 * they have other links); `is_executable` is any execute bit. Symlinks are
 * recorded with their target as is and never followed. Anything else (a
 * FIFO, a socket, a device) is FAILED_PRECONDITION naming its path.
 */
export class OutputTreeBuilder {
  readonly #blobs: BlobAccess & BlobFiles;

  constructor(blobs: BlobAccess & BlobFiles) {
    this.#blobs = blobs;
  }

  /**
   * Stores the tree under `hostPath` (a directory; `path` names it in
   * errors). With `storeDirectories`, every Directory message is stored
   * too (for DIRECTORY_ONLY and TREE_AND_DIRECTORY clients).
   */
  async store(hostPath: string, path: string, storeDirectories: boolean): Promise<StoredTree> {
    const directories = new Map<string, Directory>();
    const counts = { files: 0, bytes: 0 };
    const root = await this.#directory(hostPath, path, directories, counts);
    const children: Directory[] = [];
    // Breadth-first from the root: parents before children, each distinct directory once.
    const placed = new Set<string>();
    const queue = [root.directory];
    for (let head = 0; head < queue.length; head++) {
      for (const node of queue[head]!.directories) {
        const key = `${node.digest!.hash}/${node.digest!.sizeBytes}`;
        if (placed.has(key)) continue;
        placed.add(key);
        const child = directories.get(key)!;
        children.push(child);
        queue.push(child);
      }
    }
    const tree = Buffer.from(Tree.encode({ root: root.directory, children }).finish());
    const treeDigest = this.#blobs.digestFunction.compute(tree);
    await this.#blobs.put(treeDigest, tree);
    if (storeDirectories) {
      await this.#put(root.directory, root.digest);
      for (const child of children) await this.#put(child, this.#blobs.digestFunction.compute(Directory.encode(child).finish()));
    }
    return { treeDigest, rootDigest: root.digest, ...counts };
  }

  async #put(directory: Directory, digest: Digest): Promise<void> {
    await this.#blobs.put(digest, Directory.encode(directory).finish());
  }

  async #directory(
    hostPath: string,
    path: string,
    directories: Map<string, Directory>,
    counts: { files: number; bytes: number },
  ): Promise<{ directory: Directory; digest: Digest }> {
    const names = (await readdir(hostPath)).sort(compareUtf8);
    const files: FileNode[] = [];
    const subdirectories: DirectoryNode[] = [];
    const symlinks: SymlinkNode[] = [];
    const regular: { name: string; executable: boolean }[] = [];
    for (const name of names) {
      const child = `${hostPath}/${name}`;
      const childPath = path === '' ? name : `${path}/${name}`;
      const info = await lstat(child);
      if (info.isFile()) {
        regular.push({ name, executable: (info.mode & 0o111) !== 0 });
      } else if (info.isDirectory()) {
        const sub = await this.#directory(child, childPath, directories, counts);
        subdirectories.push({ name, digest: digestProto(sub.digest) });
      } else if (info.isSymbolicLink()) {
        symlinks.push({ name, target: await readlink(child), nodeProperties: undefined });
      } else {
        throw failedPrecondition(`output ${JSON.stringify(childPath)} is neither a regular file, a directory nor a symlink`);
      }
    }
    for (let start = 0; start < regular.length; start += ADOPT_CONCURRENCY) {
      const batch = regular.slice(start, start + ADOPT_CONCURRENCY);
      const digests = await Promise.all(batch.map(({ name }) => this.#blobs.adoptFile(`${hostPath}/${name}`)));
      batch.forEach(({ name, executable }, i) => {
        files.push({ name, digest: digestProto(digests[i]!), isExecutable: executable, nodeProperties: undefined });
        counts.files++;
        counts.bytes += digests[i]!.sizeBytes;
      });
    }
    const directory: Directory = { files, directories: subdirectories, symlinks, nodeProperties: undefined };
    const digest = this.#blobs.digestFunction.compute(Directory.encode(directory).finish());
    directories.set(digest.key, directory);
    return { directory, digest };
  }
}

/** The order of canonical Directory entries: by the UTF-8 bytes of the names (not UTF-16 code units). */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A Digest as a plain REAPI message (the Digest class fits structurally; messages should hold plain data). */
export function digestProto(digest: Digest): { hash: string; sizeBytes: number } {
  return { hash: digest.hash, sizeBytes: digest.sizeBytes };
}
