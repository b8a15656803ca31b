import type { ActionCgroup, CgroupManager } from './cgroup-manager.ts';
import type { ResourceLimits } from './platform-properties.ts';

/** Options of {@link PooledCgroupManager}. */
export interface PooledCgroupManagerOptions {
  /** How many cgroups to keep made ahead; the number of actions that run at once (`--jobs`) is a good value. */
  readonly spares: number;
  /** Told when making a spare or removing an unwanted one failed; the next `create` then makes its own. Ignored by default. */
  readonly onBackgroundError?: (error: unknown) => void;
}

/**
 * Makes action cgroups ahead of time, so that an action does not wait for
 * them: a cgroup v1 action has four hierarchies, and making them with their
 * limits is about 20 system calls, 0.3-0.5 ms of the event loop and more
 * on a busy machine (bench/RESULTS.md), on the path of every Execute.
 *
 * `create` hands out a spare made with the same limits (the default limits
 * are almost every action's) and then makes the next spare in the
 * background, while the action runs and the event loop waits for it. Any
 * other limits are made on the spot by the inner manager, and the spares
 * switch to them: the limits asked for last are the likeliest next. A spare
 * is exactly what the inner manager would make at that moment: an empty
 * cgroup with the limits written whose counters are still zero, since no
 * process ever joined it. Spares are named by this class (the `name` given
 * to `create` is then not used: it only had to be unique), under the same
 * parent as every action cgroup, so a crash leaves nothing that the next
 * server's `removeStale` does not remove.
 */
export class PooledCgroupManager implements CgroupManager {
  readonly description: string;
  readonly #inner: CgroupManager;
  readonly #target: number;
  readonly #onError: (error: unknown) => void;
  /** Made ahead, all with the limits keyed by {@link PooledCgroupManager.#key}. */
  #spares: ActionCgroup[] = [];
  #key: string | undefined;
  #limits: ResourceLimits | undefined;
  #filling: Promise<void> | undefined;
  /** Removals of unwanted spares under way, which `close` waits for. */
  readonly #discarding = new Set<Promise<void>>();
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
    this.description = `${inner.description}; ${options.spares} made ahead`;
  }

  /** Spares ready now (for tests and logs). */
  get ready(): number {
    return this.#spares.length;
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
    const spare = this.#spares.shift();
    this.#fill();
    return spare ?? this.#inner.create(name, limits);
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

  /** Stops making spares, removes those made, then closes the inner manager. */
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
   * Makes spares up to the target in the background, one at a time, each
   * after an event-loop turn (so the caller's action is on its way first).
   * A failure stops the filling until the next `create`.
   */
  #fill(): void {
    if (this.#filling !== undefined || this.#closed) return;
    this.#filling = this.#makeSpares().finally(() => (this.#filling = undefined));
  }

  async #makeSpares(): Promise<void> {
    while (!this.#closed && this.#spares.length < this.#target) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const key = this.#key;
      const limits = this.#limits;
      if (limits === undefined || this.#closed) return;
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

  /** Removes unwanted spares (they never held a process) without making anyone wait. */
  #discard(spares: readonly ActionCgroup[]): void {
    for (const spare of spares) {
      const removal = spare.remove().catch((err: unknown) => this.#onError(err));
      this.#discarding.add(removal);
      void removal.finally(() => this.#discarding.delete(removal));
    }
  }
}

function limitsKey(limits: ResourceLimits): string {
  return `${limits.memoryBytes} ${limits.pids} ${limits.cpus}`;
}
