import type { LinkJob } from './link-job.ts';

/** A tree an ExecrootMaterializer made, as the pool knows it. */
export interface MadeTree {
  /** Which input root (and which materializer's CAS) the tree holds. */
  readonly key: string;
  /** What made it; also what a check compares the tree against. */
  readonly job: LinkJob;
  /** For a kept tree: the inode of each blob file it links, as checked when it was kept (`checkLinkedTree`). */
  readonly inodes?: Float64Array | undefined;
}

/** How many spare trees a pool keeps. */
export interface SpareExecrootLimits {
  /** Of one input root. */
  readonly perKey: number;
  /** In all. */
  readonly trees: number;
  /** Directories and entries over all spares (each costs its LinkJob's memory, about 130 bytes an entry). */
  readonly entries: number;
}

/** 2 spares of a root (back-to-back runs), 16 in all, 100,000 entries (about 13 MB of LinkJobs). */
export const DEFAULT_SPARE_LIMITS: SpareExecrootLimits = { perKey: 2, trees: 16, entries: 100_000 };

/**
 * Trees made and not yet handed to the remover (actions running, or kept for
 * debugging and never removed); beyond this the oldest is forgotten, and
 * then simply removed when its turn comes. Each holds its LinkJob, about
 * 1.3 MB for 10,000 files.
 */
const MAX_IN_USE = 64;

/**
 * Keeps finished execroots for the next action with the same input root,
 * so that Bazel's repeated input trees (the same action re-run, the same
 * 10,000 headers) cost one rename(2) instead of a link(2) per file and an
 * unlink(2) per file afterwards.
 *
 * The life of a tree: the materializer `made` it at the action's path; when
 * the action is done, the {@link BackgroundDirectoryRemover} asks whether
 * it may `claim` the path; if so, it checks the tree on its own thread
 * (`checkLinkedTree`: the action's additions removed, every input verified
 * as made) and `offer`s it back as a spare, still at that path; the next
 * materialization of the same key `take`s it and renames it into place.
 * Spares beyond the limits are evicted, oldest first, for the remover to
 * delete. Nothing here touches the disk.
 *
 * The materializer and the remover of one executor must share the pool:
 * by default both use the process-wide {@link defaultSpareExecrootPool}
 * (they are made separately by the executor and meet here, as the tree is
 * handed from one to the other; spares are keyed per materializer, so two
 * executors never swap trees). The remover's `drain()` removes the spares
 * too, so afterwards nothing of any action is left.
 */
export class SpareExecrootPool {
  readonly #limits: SpareExecrootLimits;
  readonly #inUse = new Map<string, MadeTree>();
  /** Oldest first. */
  readonly #spares = new Map<string, MadeTree>();
  #entries = 0;

  constructor(limits: SpareExecrootLimits = DEFAULT_SPARE_LIMITS) {
    this.#limits = limits;
  }

  /** Records that `path` now holds a complete tree made by `job`, in use by an action. */
  made(path: string, tree: MadeTree): void {
    this.#inUse.set(path, tree);
    if (this.#inUse.size > MAX_IN_USE) this.#inUse.delete(this.#inUse.keys().next().value!);
  }

  /** The tree at `path` if the pool wants it back (the remover then checks it and offers it); forgets it either way. */
  claim(path: string): MadeTree | undefined {
    const tree = this.#inUse.get(path);
    this.#inUse.delete(path);
    return tree;
  }

  /**
   * Adds the checked tree at `path` to the spares; returns the paths of
   * spares evicted to stay within the limits (`path` itself when the tree
   * alone exceeds them), which the caller removes.
   */
  offer(path: string, tree: MadeTree): string[] {
    const size = sizeOf(tree.job);
    if (size > this.#limits.entries || this.#limits.trees < 1 || this.#limits.perKey < 1) return [path];
    this.#spares.set(path, tree);
    this.#entries += size;
    const evicted: string[] = [];
    for (;;) {
      let ofKey = 0;
      for (const t of this.#spares.values()) if (t.key === tree.key) ofKey++;
      const overAll = this.#spares.size > this.#limits.trees || this.#entries > this.#limits.entries;
      if (!overAll && ofKey <= this.#limits.perKey) break;
      // The oldest spare: of any root when over the totals, else of this root.
      let victim: string | undefined;
      for (const [p, t] of this.#spares) {
        if (p !== path && (overAll || t.key === tree.key)) {
          victim = p;
          break;
        }
      }
      victim ??= path;
      this.#entries -= sizeOf(this.#spares.get(victim)!.job);
      this.#spares.delete(victim);
      evicted.push(victim);
      if (victim === path) break;
    }
    return evicted;
  }

  /** A spare holding `key`, no longer the pool's (the caller renames it into place), or undefined. */
  take(key: string): { path: string; tree: MadeTree } | undefined {
    let found: string | undefined;
    // The newest: its inodes are the likeliest to be cached.
    for (const [p, t] of this.#spares) if (t.key === key) found = p;
    if (found === undefined) return undefined;
    const tree = this.#spares.get(found)!;
    this.#spares.delete(found);
    this.#entries -= sizeOf(tree.job);
    return { path: found, tree };
  }

  /** Forgets every spare and returns their paths, for the caller to remove. */
  clear(): string[] {
    const paths = [...this.#spares.keys()];
    this.#spares.clear();
    this.#entries = 0;
    return paths;
  }
}

function sizeOf(job: LinkJob): number {
  return job.parents.length + job.kinds.length;
}

let shared: SpareExecrootPool | undefined;

/** The pool ExecrootMaterializer and BackgroundDirectoryRemover share unless given one. */
export function defaultSpareExecrootPool(): SpareExecrootPool {
  shared ??= new SpareExecrootPool();
  return shared;
}
