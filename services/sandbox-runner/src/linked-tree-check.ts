import type { LinkJob } from './link-job.ts';

/** The synchronous `node:fs` calls {@link checkLinkedTree} makes. */
export interface TreeCheckFileSystem {
  lstatSync(path: string): { isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean; ino: number; dev: number; uid: number; mode: number; size: number; nlink: number };
  readdirSync(path: string): string[];
  readlinkSync(path: string): string;
  rmSync(path: string, options: { recursive: boolean; force: boolean }): void;
}

/** What {@link checkLinkedTree} found. */
export interface TreeCheck {
  /** '' when the tree is again as if freshly made, else why not. */
  readonly problem: string;
  /** Per entry of the job: the inode its blob file had (and the tree links), NaN for other kinds; only without a problem. */
  readonly inodes: Float64Array | undefined;
}

/**
 * Brings a tree that `job` made at `path` (and that an action has since
 * used) back to exactly what `job` makes, or says it cannot.
 *
 * Entries the action added (outputs, scratch files, output parents) are
 * removed. Every entry of `job` must still be there as made: directories
 * root-owned with the job's mode, links the very inode of their blob file,
 * which must still be in the CAS at its path (a blob removed as damaged
 * must not live on here), empty files root-owned, empty, of their mode and
 * unshared, symlinks root-owned with their target. An action runs
 * unprivileged and the sticky bit keeps it from deleting, renaming or
 * changing any of these, so a mismatch means something else touched the
 * tree; the caller then removes it rather than hand it out.
 *
 * Self-contained (refers only to its parameters and globals): the removal
 * thread runs its source text, as with `runLinkJob`.
 */
export function checkLinkedTree(job: LinkJob, path: string, fs: TreeCheckFileSystem): TreeCheck {
  const strings = job.strings.split('\0');
  const inodes = new Float64Array(job.kinds.length).fill(NaN);
  const fail = (problem: string): TreeCheck => ({ problem, inodes: undefined });
  const directories = job.parents.length;
  const children: string[][] = [];
  for (let d = 0; d < directories; d++) children.push([]);
  for (let d = 1; d < directories; d++) {
    const relative = strings[job.firstString[d]!]!;
    children[job.parents[d]!]!.push(relative.slice(relative.lastIndexOf('/') + 1));
  }
  const sources = new Map<string, { ino: number; dev: number } | undefined>();
  const sourceOf = (source: string): { ino: number; dev: number } | undefined => {
    if (!sources.has(source)) {
      let info: { ino: number; dev: number } | undefined;
      try {
        const s = fs.lstatSync(source);
        info = s.isFile() ? { ino: s.ino, dev: s.dev } : undefined;
      } catch {
        info = undefined;
      }
      sources.set(source, info);
    }
    return sources.get(source);
  };
  for (let d = 0; d < directories; d++) {
    let s = job.firstString[d]!;
    const relative = strings[s++]!;
    const dir = relative === '' ? path : `${path}/${relative}`;
    const info = fs.lstatSync(dir);
    if (!info.isDirectory() || info.uid !== 0 || (info.mode & 0o7777) !== job.directoryMode) return fail(`directory ${JSON.stringify(relative)} changed`);
    const expected = new Set(children[d]);
    const entries: { index: number; name: string; kind: number; extra: string | undefined }[] = [];
    for (let e = job.firstEntry[d]!; e < job.firstEntry[d + 1]!; e++) {
      const kind = job.kinds[e]!;
      const name = strings[s++]!;
      const extra = kind === 0 || kind === 3 ? strings[s++]! : undefined;
      expected.add(name);
      entries.push({ index: e, name, kind, extra });
    }
    const present = fs.readdirSync(dir);
    for (const name of present) if (!expected.has(name)) fs.rmSync(`${dir}/${name}`, { recursive: true, force: true });
    // Every expected name present (subdirectories are checked in their own turn).
    if (present.filter((name) => expected.has(name)).length !== expected.size) return fail(`an entry of ${JSON.stringify(relative)} is gone`);
    for (const { index, name, kind, extra } of entries) {
      const where = `${dir}/${name}`;
      const input = JSON.stringify(relative === '' ? name : `${relative}/${name}`);
      const entry = fs.lstatSync(where);
      if (kind === 0) {
        const source = sourceOf(extra!);
        if (source === undefined) return fail(`the blob file of ${input} left the CAS`);
        if (!entry.isFile() || entry.ino !== source.ino || entry.dev !== source.dev) return fail(`${input} is no longer its blob`);
        inodes[index] = source.ino;
      } else if (kind === 1 || kind === 2) {
        const mode = kind === 2 ? 0o555 : 0o444;
        if (!entry.isFile() || entry.size !== 0 || entry.uid !== 0 || entry.nlink !== 1 || (entry.mode & 0o7777) !== mode) return fail(`empty file ${input} changed`);
      } else if (!entry.isSymbolicLink() || entry.uid !== 0 || fs.readlinkSync(where) !== extra) {
        return fail(`symlink ${input} changed`);
      }
    }
  }
  return { problem: '', inodes };
}

/**
 * Whether every blob file `job` links is still the inode `inodes` recorded
 * (from {@link checkLinkedTree}): for a kept tree about to be reused, whose
 * own entries nothing has touched since that check, this is all that can
 * have changed (a blob found damaged and removed, perhaps uploaded again as
 * another inode). One lstat(2) per distinct blob, against two per entry and
 * a readdir(2) per directory for the whole check.
 */
export function blobsUnchanged(job: LinkJob, inodes: Float64Array, fs: Pick<TreeCheckFileSystem, 'lstatSync'>): boolean {
  const strings = job.strings.split('\0');
  const seen = new Set<string>();
  for (let d = 0; d < job.parents.length; d++) {
    let s = job.firstString[d]! + 1;
    for (let e = job.firstEntry[d]!; e < job.firstEntry[d + 1]!; e++) {
      const kind = job.kinds[e]!;
      s++;
      if (kind !== 0 && kind !== 3) continue;
      const extra = strings[s++]!;
      if (kind === 3 || seen.has(extra)) continue;
      seen.add(extra);
      try {
        const info = fs.lstatSync(extra);
        if (!info.isFile() || info.ino !== inodes[e]) return false;
      } catch {
        return false;
      }
    }
  }
  return true;
}
