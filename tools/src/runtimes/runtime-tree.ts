import { normalizeArchivePath } from './tar-archive.ts';
import type { TarEntry } from './tar-archive.ts';

/** A directory of the tree. */
export interface TreeDirectory {
  readonly kind: 'directory';
  mode: number;
}

/**
 * A regular file. Paths that share one TreeFile object are hardlinks and are
 * written as such, so the image stores the data once.
 */
export interface TreeFile {
  readonly kind: 'file';
  readonly mode: number;
  readonly data: Buffer;
  /** The package that shipped it (`(runtime)` for files the build writes). */
  readonly owner: string;
}

/** A symbolic link, kept verbatim: it is resolved inside the runtime at run time. */
export interface TreeSymlink {
  readonly kind: 'symlink';
  readonly target: string;
  readonly owner: string;
}

/** Anything the tree holds at a path. */
export type TreeNode = TreeDirectory | TreeFile | TreeSymlink;

/** Decides which package paths a runtime leaves out; true means "drop it". */
export type TrimRule = (path: string) => boolean;

/** How packages are laid into the tree. */
export interface RuntimeTreeOptions {
  /**
   * Top-level directories that are symlinks into /usr on a merged-/usr system
   * (`bin` → `usr/bin`); empty for a split-/usr suite such as bullseye.
   */
  readonly mergedUsrAliases: readonly string[];
  readonly trim: TrimRule;
}

const MAX_SYMLINK_HOPS = 40;

/**
 * The filesystem of one runtime, built in memory from package contents
 * before anything is written to disk. Keeping it in memory lets every rule be
 * checked on the whole tree first: paths are normalized and may not contain
 * `..`, nothing is written through a symlink (so a package cannot reach
 * outside the tree or into another package's directory), two packages may
 * not ship different contents at one path, and merged /usr is applied the
 * way the running system would see it.
 *
 * Merged /usr: on bookworm and later, /bin, /lib, /sbin (and /lib64) are
 * symlinks into /usr, but packages still ship some files under the old
 * names. dpkg then writes `/bin/bash` through the `/bin` symlink; here the
 * path is rewritten to `usr/bin/bash` directly, which gives the same result
 * without ever writing through a symlink.
 */
export class RuntimeTree {
  readonly #nodes = new Map<string, TreeNode>([['', { kind: 'directory', mode: 0o755 }]]);
  readonly #aliases: ReadonlySet<string>;
  readonly #trim: TrimRule;

  /** Creates an empty tree; on merged /usr its alias symlinks and their /usr targets exist from the start. */
  constructor(options: RuntimeTreeOptions) {
    this.#aliases = new Set(options.mergedUsrAliases);
    this.#trim = options.trim;
    if (this.#aliases.size > 0) this.#nodes.set('usr', { kind: 'directory', mode: 0o755 });
    for (const alias of this.#aliases) {
      this.#nodes.set(`usr/${alias}`, { kind: 'directory', mode: 0o755 });
      this.#nodes.set(alias, { kind: 'symlink', target: `usr/${alias}`, owner: '(merged /usr)' });
    }
  }

  /**
   * Adds the data.tar entries of one package. Throws naming the package and
   * path on `..`, on writing through a symlink, on a hardlink to a path the
   * package did not ship first, and on conflicting contents.
   */
  addPackage(pkg: string, entries: Iterable<TarEntry>): void {
    // Every file of this package by its final path, trimmed or not, so a kept hardlink to a trimmed file still has data.
    const files = new Map<string, TreeFile>();
    for (const entry of entries) {
      const path = this.#place(normalizeArchivePath(entry.path, pkg), entry, pkg);
      if (path === undefined) continue;
      let node: TreeNode;
      if (entry.type === 'directory') node = { kind: 'directory', mode: entry.mode & 0o1777 };
      else if (entry.type === 'symlink') node = { kind: 'symlink', target: entry.linkname, owner: pkg };
      else if (entry.type === 'file') {
        // setuid/setgid bits are dropped: nothing in a runtime needs privilege, and actions run unprivileged on a nosuid mount.
        node = { kind: 'file', mode: entry.mode & 0o1777, data: entry.data, owner: pkg };
        files.set(path, node);
      } else {
        const target = this.#mapAlias(normalizeArchivePath(entry.linkname, pkg));
        const file = files.get(target);
        if (file === undefined) throw new Error(`${pkg}: hardlink ${entry.path} points to ${JSON.stringify(entry.linkname)}, which the package did not ship before it`);
        node = file;
        files.set(path, file);
      }
      if (this.#trim(path)) continue;
      this.#put(path, node, pkg);
    }
  }

  /** Writes a file the build itself provides (such as /etc/passwd), replacing whatever a package shipped there. */
  writeFile(path: string, data: Buffer | string, mode = 0o644): void {
    const p = this.#mapAlias(normalizeArchivePath(path, '(runtime)'));
    const existing = this.#nodes.get(p);
    if (existing?.kind === 'directory') throw new Error(`(runtime): cannot write file ${p}: a directory is there`);
    this.#ensureParents(p, '(runtime)');
    this.#nodes.set(p, { kind: 'file', mode, data: Buffer.from(data), owner: '(runtime)' });
  }

  /** Adds a symlink unless the path already exists; returns whether it did. */
  addSymlinkIfMissing(path: string, target: string): boolean {
    const p = this.#mapAlias(normalizeArchivePath(path, '(runtime)'));
    if (this.#nodes.has(p)) return false;
    this.#ensureParents(p, '(runtime)');
    this.#nodes.set(p, { kind: 'symlink', target, owner: '(runtime)' });
    return true;
  }

  /** Creates an empty directory (a mount point such as /proc) with `mode`. */
  addDirectory(path: string, mode = 0o755): void {
    const p = this.#mapAlias(normalizeArchivePath(path, '(runtime)'));
    this.#put(p, { kind: 'directory', mode }, '(runtime)');
    (this.#nodes.get(p) as TreeDirectory).mode = mode;
  }

  /** The node at `path` itself (symlinks not followed), or undefined. */
  get(path: string): TreeNode | undefined {
    return this.#nodes.get(normalizeArchivePath(path, '(lookup)'));
  }

  /**
   * Follows symlinks through every component of `path`, as the kernel would
   * inside a chroot at the tree's root (absolute targets restart at the
   * root, `..` stops at it). Returns the final path and node, or undefined
   * when something on the way is missing or the links loop.
   */
  resolve(path: string): { path: string; node: TreeNode } | undefined {
    let pending = path.split('/').filter((p) => p !== '' && p !== '.');
    const done: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.shift() as string;
      if (part === '..') {
        done.pop();
        continue;
      }
      const candidate = [...done, part].join('/');
      const node = this.#nodes.get(candidate);
      if (node === undefined) return undefined;
      if (node.kind === 'symlink') {
        if (++hops > MAX_SYMLINK_HOPS) return undefined;
        const target = node.target.split('/').filter((p) => p !== '' && p !== '.');
        if (node.target.startsWith('/')) done.length = 0;
        pending = [...target, ...pending];
        continue;
      }
      if (node.kind === 'file' && pending.length > 0) return undefined;
      done.push(part);
    }
    const finalPath = done.join('/');
    return { path: finalPath, node: this.#nodes.get(finalPath) as TreeNode };
  }

  /** All paths and nodes, sorted by path (byte order), the root ('') first. */
  entries(): Array<[string, TreeNode]> {
    return [...this.#nodes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  // Maps a package path to its place in the tree, or undefined for entries
  // that stand for the merged-/usr aliases themselves.
  #place(path: string, entry: TarEntry, pkg: string): string | undefined {
    if (path === '') return undefined;
    if (this.#aliases.has(path)) {
      const target = entry.linkname.replace(/^\//, '');
      if (entry.type === 'directory' || (entry.type === 'symlink' && target === `usr/${path}`)) return undefined;
      throw new Error(`${pkg}: ships /${path} as a ${entry.type}, but it is the merged-/usr symlink to usr/${path}`);
    }
    return this.#mapAlias(path);
  }

  #mapAlias(path: string): string {
    const top = path.split('/', 1)[0] as string;
    return this.#aliases.has(top) ? `usr/${path}` : path;
  }

  #ensureParents(path: string, pkg: string): void {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const node = this.#nodes.get(parent);
      if (node === undefined) this.#nodes.set(parent, { kind: 'directory', mode: 0o755 });
      else if (node.kind === 'symlink') throw new Error(`${pkg}: ${path} would be written through the symlink ${parent} -> ${node.target}`);
      else if (node.kind === 'file') throw new Error(`${pkg}: ${path} would be written below the file ${parent} (from ${node.owner})`);
    }
  }

  #put(path: string, node: TreeNode, pkg: string): void {
    this.#ensureParents(path, pkg);
    const existing = this.#nodes.get(path);
    if (existing === undefined) {
      this.#nodes.set(path, node);
      return;
    }
    if (existing.kind === 'directory' && node.kind === 'directory') return;
    if (existing === node) return;
    if (existing.kind === 'symlink' && node.kind === 'symlink' && existing.target === node.target) return;
    if (existing.kind === 'file' && node.kind === 'file' && existing.mode === node.mode && existing.data.equals(node.data)) return;
    const owner = existing.kind === 'directory' ? 'a directory' : `${existing.kind} from ${existing.owner}`;
    throw new Error(`${pkg}: conflict at ${path}: it ships a ${node.kind}, but the tree already has a ${owner}`);
  }
}
