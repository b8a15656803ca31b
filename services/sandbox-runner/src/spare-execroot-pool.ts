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

/** A spare handed to the materializer: where it is, and what it holds. */
export interface TakenSpare {
  readonly path: string;
  readonly tree: MadeTree;
}

/**
 * How long {@link SpareExecrootPool.waitForCheck} waits at most, in ms. The
 * remover runs checks before removals, so a waiting materialization sits
 * behind at most the item the remover holds (a removal of a 10,000-file
 * tree at nice 10: 80-250 ms here, bench/RESULTS.md) and the checks queued
 * before its own (50-170 ms each for 10,000 entries here, with load);
 * linking the tree afresh instead costs 90-240 ms, and the CPU of one more
 * tree to link and remove (per back-to-back run 254 against 180 ms of CPU,
 * services/sandbox-runner/README.md).
 * Beyond this the remover is stuck (a hung filesystem, say) and the
 * materializer links a fresh tree rather than wait with it.
 */
export const CHECK_WAIT_LIMIT_MS = 500;

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
 * A client that sends the same action again right after the answer finds
 * its tree claimed but not yet checked: the materializer then
 * `waitForCheck`s instead of linking the whole tree anew while the check
 * runs. Every such run then takes about one check (50-170 ms for 10,000
 * entries here), where without the wait every other run linked afresh
 * (90-240 ms) and the others took the tree checked meanwhile (35-60 ms):
 * steadier, and a third less CPU, but not faster on average here. Claimed trees are tracked until the remover settles them:
 * `offer` (kept) hands the tree straight to a waiter, if one is waiting,
 * rather than to the spares; `release` (not kept, or the remover's thread
 * died) ends the wait with nothing, and the materializer links a fresh tree.
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
  /** Claimed and being checked by the remover, oldest first; each with the one materialization waiting for it, if any. */
  readonly #checking = new Map<string, { tree: MadeTree; waiter: ((spare: TakenSpare | undefined) => void) | undefined }>();
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

  /**
   * The tree at `path` if the pool wants it back; the remover then checks
   * it and must settle it: `offer` if kept, else `release`. Forgets it as
   * in use either way.
   */
  claim(path: string): MadeTree | undefined {
    const tree = this.#inUse.get(path);
    if (tree === undefined) return undefined;
    this.#inUse.delete(path);
    this.#checking.set(path, { tree, waiter: undefined });
    return tree;
  }

  /**
   * Adds the checked tree at `path` to the spares, or hands it to the
   * materialization waiting for its check; returns the paths of spares
   * evicted to stay within the limits (`path` itself when the tree alone
   * exceeds them), which the caller removes.
   */
  offer(path: string, tree: MadeTree): string[] {
    const checking = this.#checking.get(path);
    this.#checking.delete(path);
    const size = sizeOf(tree.job);
    if (size > this.#limits.entries || this.#limits.trees < 1 || this.#limits.perKey < 1) {
      checking?.waiter?.(undefined);
      return [path];
    }
    if (checking?.waiter !== undefined) {
      checking.waiter({ path, tree });
      return [];
    }
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

  /** Settles the claimed tree at `path` as not kept (it failed its check, or the remover's thread died): its waiter gets nothing. */
  release(path: string): void {
    const checking = this.#checking.get(path);
    this.#checking.delete(path);
    checking?.waiter?.(undefined);
  }

  /**
   * For a materialization that found no spare of `key`: when a tree of
   * `key` is claimed and its check pending (and no other materialization
   * waits for it already; the oldest such tree, whose check comes first),
   * a promise of that tree once kept (no longer the pool's, as from
   * `take`), or of undefined once it is not kept or after `limitMs`; else
   * undefined at once. A tree kept after its waiter gave up becomes a spare.
   */
  waitForCheck(key: string, limitMs: number = CHECK_WAIT_LIMIT_MS): Promise<TakenSpare | undefined> | undefined {
    for (const checking of this.#checking.values()) {
      if (checking.tree.key !== key || checking.waiter !== undefined) continue;
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          checking.waiter = undefined;
          resolve(undefined);
        }, limitMs);
        checking.waiter = (spare) => {
          clearTimeout(timer);
          resolve(spare);
        };
      });
    }
    return undefined;
  }

  /** A spare holding `key`, no longer the pool's (the caller renames it into place), or undefined. */
  take(key: string): TakenSpare | undefined {
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
