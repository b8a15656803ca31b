import { rm } from 'node:fs/promises';

/**
 * Removes directories after the fact, one at a time, off the path of the
 * request that made them: an action's directory is removed once its
 * response has gone back, instead of before. Removing a materialized input
 * tree is as much work as making it (10,000 files: 100-250 ms here,
 * bench/RESULTS.md), and for a trivial action it is still several
 * thread-pool round trips, none of which the client should wait for.
 *
 * Failures go to `onError` (the directory is then left for the next
 * server start, whose `prepare()` empties the exec directory).
 */
export class BackgroundDirectoryRemover {
  readonly #onError: (error: unknown, path: string) => void;
  readonly #queue: string[] = [];
  #running: Promise<void> | undefined;

  /** `onError`: told about each directory that could not be removed; ignored by default. */
  constructor(onError: (error: unknown, path: string) => void = () => {}) {
    this.#onError = onError;
  }

  /** Queues `path` (a directory with nothing mounted in it) for removal and returns at once. */
  remove(path: string): void {
    this.#queue.push(path);
    this.#running ??= this.#work().finally(() => (this.#running = undefined));
  }

  /** Resolves once every directory queued so far has been removed (or failed to be). */
  async drain(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  async #work(): Promise<void> {
    for (let path = this.#queue.shift(); path !== undefined; path = this.#queue.shift()) {
      try {
        await rm(path, { recursive: true, force: true });
      } catch (err) {
        this.#onError(err, path);
      }
    }
  }
}
