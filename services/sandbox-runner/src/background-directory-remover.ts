import { Worker } from 'node:worker_threads';

/**
 * The removal thread's program: `rmSync` of each path posted (and, should
 * it fail, an entry-by-entry walk that ends in an error naming the errno),
 * answering with the path and the error (as plain fields: a cloned Error loses its
 * `code`). Source text rather than a file, so the standalone server's
 * single bundle needs no separate worker file.
 */
const WORKER_SOURCE = `'use strict';
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
// Entry by entry, for what rmSync could not remove: its errors name the
// errno ("EBUSY"), where native rmSync's have an empty code and "Unknown error".
function removeTree(path) {
  let info;
  try {
    info = fs.lstatSync(path);
  } catch (err) {
    if (err.code === 'ENOENT') return;
    throw err;
  }
  if (!info.isDirectory()) return fs.unlinkSync(path);
  for (const name of fs.readdirSync(path)) removeTree(path + '/' + name);
  fs.rmdirSync(path);
}
parentPort.on('message', (path) => {
  try {
    try {
      fs.rmSync(path, { recursive: true, force: true });
    } catch {
      removeTree(path);
    }
    parentPort.postMessage({ path });
  } catch (err) {
    parentPort.postMessage({ path, message: String(err && err.message || err), code: err && err.code });
  }
});
`;

/**
 * Removes directories after the fact, one at a time, off the path of the
 * request that made them: an action's directory is removed once its
 * response has gone back, instead of before. Removing a materialized input
 * tree is as much work as making it (10,000 files: 100-250 ms here,
 * bench/RESULTS.md), and none of it is for the client to wait for.
 *
 * The removals run on a thread of their own with `rmSync` (Node's native
 * recursive removal): `fs.promises.rm` walks the tree in JavaScript with a
 * promise per entry, which cost 3-4 times the CPU (255-336 ms against
 * 77-82 ms for 10,000 files, bench/materialization-ab.ts's machine) and
 * took it from the event loop and the thread pool that the next action
 * needs. The thread starts on the first removal and never keeps the
 * process alive while idle; if it dies, the removal it held is reported
 * and the next one starts a new thread.
 *
 * Failures go to `onError` (the directory is then left for the next
 * server start, whose `prepare()` empties the exec directory).
 */
export class BackgroundDirectoryRemover {
  readonly #onError: (error: unknown, path: string) => void;
  readonly #queue: string[] = [];
  #worker: Worker | undefined;
  /** The path the thread is removing now, if any. */
  #current: string | undefined;
  #idle: (() => void)[] = [];

  /** `onError`: told about each directory that could not be removed; ignored by default. */
  constructor(onError: (error: unknown, path: string) => void = () => {}) {
    this.#onError = onError;
  }

  /** Queues `path` (a directory with nothing mounted in it) for removal and returns at once. */
  remove(path: string): void {
    this.#queue.push(path);
    // Not before the caller yields: it may still be answering the request.
    if (this.#queue.length === 1 && this.#current === undefined) setImmediate(() => this.#next());
  }

  /** Resolves once every directory queued so far has been removed (or failed to be). */
  drain(): Promise<void> {
    if (this.#current === undefined && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #next(): void {
    if (this.#current !== undefined) return;
    const path = this.#queue.shift();
    if (path === undefined) {
      this.#worker?.unref();
      for (const resolve of this.#idle.splice(0)) resolve();
      return;
    }
    this.#current = path;
    const worker = (this.#worker ??= this.#start());
    // Referenced while it holds a removal: drain() must be able to wait for it.
    worker.ref();
    worker.postMessage(path);
  }

  #start(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'actiond-remover' });
    worker.on('message', (done: { path: string; message?: string; code?: string }) => {
      if (done.message !== undefined) this.#onError(Object.assign(new Error(done.message), done.code === undefined ? {} : { code: done.code }), done.path);
      this.#current = undefined;
      this.#next();
    });
    const died = (err: unknown): void => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      const path = this.#current;
      this.#current = undefined;
      if (path !== undefined) this.#onError(new Error(`the removal thread died: ${err instanceof Error ? err.message : String(err)}`, { cause: err }), path);
      this.#next();
    };
    worker.on('error', died);
    worker.on('exit', (code) => died(new Error(`the thread exited with code ${code}`)));
    // After the listeners: adding a 'message' listener references the worker again.
    worker.unref();
    return worker;
  }
}
