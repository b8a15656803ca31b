import type { ActionCgroup, CgroupManager, CgroupUsage } from './cgroup-manager.ts';
import type { ResourceLimits } from './platform-properties.ts';

/** Options of {@link PooledCgroupManager}. */
export interface PooledCgroupManagerOptions {
  /**
   * How many cgroups to keep ready, counting those in use: the number of
   * actions that run at once (`--jobs`) is a good value. Also the most idle
   * ones kept.
   */
  readonly spares: number;
  /** Told when making a spare, reusing a cgroup or removing an unwanted one failed; the next `create` then makes its own. Ignored by default. */
  readonly onBackgroundError?: (error: unknown) => void;
}

/**
 * Keeps action cgroups ready, so that an action neither waits for its
 * cgroups to be made nor costs the kernel a new set: a cgroup v1 action has
 * four hierarchies, and making them with their limits is about 20 system
 * calls and 0.3-0.5 ms of the event loop, removing them as much again, and
 * each removed memory cgroup lingers in the kernel as a dying one
 * (bench/RESULTS.md).
 *
 * Spares come from two places. A cgroup an action used comes back when its
 * `remove` is called: if the action's `killAll` resolved, the limits are
 * still the pool's and fewer than `spares` are idle, the inner cgroup's
 * `recycle` checks that it is empty in every hierarchy, that little memory
 * is still charged to it, and resets or takes a baseline of its counters
 * (see {@link ActionCgroup.recycle}); the handle it returns is the next
 * spare, so a steady stream of actions makes and removes no cgroup at all.
 * Whatever fails those checks (a process left, a read error, a kernel whose
 * peak cannot be reset, too much page cache) is removed by the inner
 * manager as before, so no action ever gets a cgroup that could hold a
 * process of an earlier one, or counters that include its. Otherwise spares
 * are made ahead by the inner manager in the background, while the action
 * runs and the event loop waits for it, up to `spares` counting the cgroups
 * in use (which come back), so they are not made only to be removed when
 * the used ones return.
 *
 * `create` hands out a spare with the same limits (the default limits are
 * almost every action's). Any other limits are made on the spot by the
 * inner manager, and the spares switch to them (the old ones are removed,
 * as are used ones with the old limits when they come back): the limits
 * asked for last are the likeliest next. Spares are named by this class
 * (the `name` given to `create` is then not used: it only had to be
 * unique), under the same parent as every action cgroup, so a crash leaves
 * nothing that the next server's `removeStale` does not remove, and
 * `close` removes every spare, reused or not.
 */
export class PooledCgroupManager implements CgroupManager {
  readonly description: string;
  readonly #inner: CgroupManager;
  readonly #target: number;
  readonly #onError: (error: unknown) => void;
  /** Ready, all with the limits keyed by {@link PooledCgroupManager.#key}. */
  #spares: ActionCgroup[] = [];
  #key: string | undefined;
  #limits: ResourceLimits | undefined;
  #filling: Promise<void> | undefined;
  /** Removals of unwanted spares under way, which `close` waits for. */
  readonly #discarding = new Set<Promise<void>>();
  /**
   * Handed out and not yet given back by `remove`. One whose `remove` is
   * never called (its `killAll` failed: it stays for `removeStale`) stays
   * counted, and the pool makes one fewer ahead.
   */
  #inUse = 0;
  #reused = 0;
  #counter = 0;
  #closed = false;

  /** Throws a RangeError unless `options.spares` is a positive integer. */
  constructor(inner: CgroupManager, options: PooledCgroupManagerOptions) {
    if (!Number.isSafeInteger(options.spares) || options.spares < 1) {
      throw new RangeError(`PooledCgroupManager needs spares >= 1, got ${options.spares}`);
    }
    this.#inner = inner;
    this.#target = options.spares;
    this.#onError = options.onBackgroundError ?? (() => {});
    this.description = `${inner.description}; ${options.spares} kept ready and reused`;
  }

  /** Spares ready now (for tests and logs). */
  get ready(): number {
    return this.#spares.length;
  }

  /** How many used cgroups were taken back as spares so far (for tests and logs). */
  get reused(): number {
    return this.#reused;
  }

  async create(name: string, limits: ResourceLimits): Promise<ActionCgroup> {
    if (this.#closed) throw new Error('the cgroup manager was closed');
    const key = limitsKey(limits);
    if (key !== this.#key) {
      // New limits: spares with the old ones would only ever be removed.
      this.#discard(this.#spares);
      this.#spares = [];
      this.#key = key;
      this.#limits = { ...limits };
    }
    // The last given back first: made-ahead spares wait, a stream of actions cycles through the fewest cgroups.
    const spare = this.#spares.pop();
    // Counted before the wait, so that the filling meanwhile does not make one spare too many.
    this.#inUse++;
    let cgroup: ActionCgroup;
    try {
      cgroup = spare ?? (await this.#inner.create(name, limits));
    } catch (err) {
      this.#inUse--;
      throw err;
    }
    this.#fill();
    return new PooledCgroup(cgroup, (emptied) => this.#giveBack(cgroup, key, emptied));
  }

  /**
   * Forgets the spares (the inner manager kills and removes every cgroup
   * under the parent, theirs too) and removes the stale ones. Call at
   * startup, before the first `create`.
   */
  async removeStale(): Promise<number> {
    await this.#filling;
    this.#spares = [];
    return this.#inner.removeStale();
  }

  /** Stops making and taking back spares, removes those there are, then closes the inner manager. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#filling;
    const spares = this.#spares;
    this.#spares = [];
    this.#discard(spares);
    await Promise.all(this.#discarding);
    await this.#inner.close();
  }

  /**
   * An action's `remove`: the cgroup becomes a spare if it may (see the
   * class comment), else it is removed, and a removal's error is the
   * caller's, as without the pool.
   */
  async #giveBack(cgroup: ActionCgroup, key: string, emptied: boolean): Promise<void> {
    this.#inUse--;
    if (emptied && this.#wants(key)) {
      let next: ActionCgroup | undefined;
      try {
        next = await cgroup.recycle();
      } catch (err) {
        this.#onError(new Error(`cannot reuse a cgroup: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
      }
      if (next !== undefined) {
        if (this.#wants(key)) {
          this.#spares.push(next);
          this.#reused++;
        } else {
          this.#discard([next]);
        }
        return;
      }
    }
    // One fewer in use and none back: a spare is made in its place.
    this.#fill();
    await cgroup.remove();
  }

  /** Whether a spare with the limits keyed `key` would be kept now. */
  #wants(key: string): boolean {
    return !this.#closed && key === this.#key && this.#spares.length < this.#target;
  }

  /**
   * Makes spares up to the target in the background, one at a time, each
   * after an event-loop turn (so the caller's action is on its way first).
   * A failure stops the filling until the next `create`.
   */
  #fill(): void {
    if (this.#filling !== undefined || this.#closed) return;
    this.#filling = this.#makeSpares().finally(() => (this.#filling = undefined));
  }

  async #makeSpares(): Promise<void> {
    while (!this.#closed && this.#spares.length + this.#inUse < this.#target) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const key = this.#key;
      const limits = this.#limits;
      if (limits === undefined || this.#closed) return;
      // Checked again after the turn: a used cgroup may have come back meanwhile.
      if (this.#spares.length + this.#inUse >= this.#target) return;
      let spare: ActionCgroup;
      try {
        spare = await this.#inner.create(`ahead-${Date.now().toString(36)}-${++this.#counter}`, limits);
      } catch (err) {
        this.#onError(new Error(`cannot make a cgroup ahead of time: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
        return;
      }
      if (key === this.#key && !this.#closed) this.#spares.push(spare);
      else this.#discard([spare]);
    }
  }

  /** Removes unwanted spares (empty: never used, or checked by `recycle`) without making anyone wait. */
  #discard(spares: readonly ActionCgroup[]): void {
    for (const spare of spares) {
      const removal = spare.remove().catch((err: unknown) => this.#onError(err));
      this.#discarding.add(removal);
      void removal.finally(() => this.#discarding.delete(removal));
    }
  }
}

/**
 * A cgroup the pool handed out: `remove` gives it back to the pool, which
 * reuses it only if `killAll` resolved on this handle (so the cgroup was
 * seen empty after the action) and removes it otherwise.
 */
class PooledCgroup implements ActionCgroup {
  readonly procsPaths: readonly string[];
  readonly #inner: ActionCgroup;
  readonly #giveBack: (emptied: boolean) => Promise<void>;
  #emptied = false;
  #givenBack = false;

  constructor(inner: ActionCgroup, giveBack: (emptied: boolean) => Promise<void>) {
    this.#inner = inner;
    this.procsPaths = inner.procsPaths;
    this.#giveBack = giveBack;
  }

  async killAll(): Promise<void> {
    await this.#inner.killAll();
    this.#emptied = true;
  }

  usage(): Promise<CgroupUsage> {
    return this.#inner.usage();
  }

  retire(): void {
    this.#inner.retire();
  }

  /** Gives the cgroup back to the pool, once; a second call does nothing. */
  remove(): Promise<void> {
    if (this.#givenBack) return Promise.resolve();
    this.#givenBack = true;
    return this.#giveBack(this.#emptied);
  }

  /** The pool takes its cgroups back through `remove`; nothing above it reuses them. */
  async recycle(): Promise<ActionCgroup | undefined> {
    return undefined;
  }
}

function limitsKey(limits: ResourceLimits): string {
  return `${limits.memoryBytes} ${limits.pids} ${limits.cpus}`;
}
