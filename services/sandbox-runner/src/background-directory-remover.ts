import { Worker } from 'node:worker_threads';
import { checkLinkedTree } from './linked-tree-check.ts';
import type { LinkJob } from './link-job.ts';
import { defaultSpareExecrootPool, type MadeTree, type SpareExecrootPool } from './spare-execroot-pool.ts';

/** The nice value of the removal thread (the server's others run at 0). */
export const REMOVAL_NICE = 10;

/**
 * The removal thread's program: for a path posted with the job that made
 * it, `checkLinkedTree` and, if the tree cannot be kept, its removal; for a
 * path alone, its removal. Removal is `rmSync` (and, should it fail, an
 * entry-by-entry walk that ends in an error naming the errno). Answers with
 * the path, whether it was kept, and the error (as plain fields: a cloned
 * Error loses its `code`). Source text rather than a file, so the standalone server's
 * single bundle needs no separate worker file.
 */
const WORKER_SOURCE = `'use strict';
const REMOVAL_NICE = ${REMOVAL_NICE};
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
// Removals run behind everything else of the server: a nice of 10 on this thread alone
// (setpriority on a thread id), so they yield the cores to the next action's linking and run.
// Checks of kept trees run at 0: the next action with the same input root waits for one.
let tid;
try {
  tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
} catch {}
let nice;
function niceness(value) {
  if (tid === undefined || nice === value) return;
  try {
    require('node:os').setPriority(tid, value);
    nice = value;
  } catch {}
}
niceness(REMOVAL_NICE);
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
const checkLinkedTree = (${checkLinkedTree.toString()});
function remove(path) {
  try {
    fs.rmSync(path, { recursive: true, force: true });
  } catch {
    removeTree(path);
  }
}
parentPort.on('message', ({ path, job }) => {
  try {
    if (job !== undefined) {
      niceness(0);
      let check;
      try {
        check = checkLinkedTree(job, path, fs);
      } catch (err) {
        check = { problem: String(err && err.message || err) };
      }
      niceness(REMOVAL_NICE);
      if (check.problem === '') return parentPort.postMessage({ path, kept: true, inodes: check.inodes });
      remove(path);
      return parentPort.postMessage({ path, kept: false });
    }
    remove(path);
    parentPort.postMessage({ path, kept: false });
  } catch (err) {
    parentPort.postMessage({ path, kept: false, message: String(err && err.message || err), code: err && err.code });
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
 * needs. It removes at nice {@link REMOVAL_NICE}, so that back-to-back
 * actions get the cores first (and checks kept trees at 0, since the next
 * action may be waiting for one). The thread starts on the first removal and never keeps the
 * process alive while idle; if it dies, the removal it held is reported
 * and the next one starts a new thread.
 *
 * An execroot that the pool (shared with the ExecrootMaterializer) wants
 * back is not removed but checked on the same thread and, if it is again
 * exactly as materialized, kept as a spare for the next action with the
 * same input root ({@link SpareExecrootPool}); spares it evicts are removed.
 *
 * Failures go to `onError` (the directory is then left for the next
 * server start, whose `prepare()` empties the exec directory).
 */
export class BackgroundDirectoryRemover {
  readonly #onError: (error: unknown, path: string) => void;
  readonly #pool: SpareExecrootPool;
  readonly #queue: { path: string; tree: MadeTree | undefined }[] = [];
  #worker: Worker | undefined;
  /** The path the thread is removing now, if any. */
  #current: { path: string; tree: MadeTree | undefined } | undefined;
  #idle: (() => void)[] = [];

  /**
   * `onError`: told about each directory that could not be removed; ignored
   * by default. `pool`: where execroots worth keeping are kept (the
   * ExecrootMaterializer's; the process-wide one unless given).
   */
  constructor(onError: (error: unknown, path: string) => void = () => {}, pool: SpareExecrootPool = defaultSpareExecrootPool()) {
    this.#onError = onError;
    this.#pool = pool;
  }

  /**
   * Queues `path` (a directory with nothing mounted in it, which nothing
   * uses any more) for removal, or for keeping if it is an execroot the
   * pool wants back, and returns at once.
   */
  remove(path: string): void {
    this.#queue.push({ path, tree: this.#pool.claim(path) });
    // Not before the caller yields: it may still be answering the request.
    if (this.#queue.length === 1 && this.#current === undefined) setImmediate(() => this.#next());
  }

  /**
   * Resolves once every directory queued so far has been removed (or failed
   * to be), kept trees included: the pool's spares are removed too, so that
   * afterwards nothing of any action is left (for shutdown and tests).
   */
  async drain(): Promise<void> {
    await this.settled();
    const spares = this.#pool.clear();
    if (spares.length === 0) return;
    for (const path of spares) this.#queue.push({ path, tree: undefined });
    setImmediate(() => this.#next());
    await this.settled();
  }

  /** Resolves once every directory queued so far has been removed or checked and kept. */
  settled(): Promise<void> {
    if (this.#current === undefined && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #next(): void {
    if (this.#current !== undefined) return;
    const item = this.#queue.shift();
    if (item === undefined) {
      this.#worker?.unref();
      for (const resolve of this.#idle.splice(0)) resolve();
      return;
    }
    this.#current = item;
    const worker = (this.#worker ??= this.#start());
    // Referenced while it holds a removal: drain() must be able to wait for it.
    worker.ref();
    const job: LinkJob | undefined = item.tree?.job;
    worker.postMessage({ path: item.path, job });
  }

  #start(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'actiond-remover' });
    worker.on('message', (done: { path: string; kept: boolean; inodes?: Float64Array; message?: string; code?: string }) => {
      if (done.message !== undefined) this.#onError(Object.assign(new Error(done.message), done.code === undefined ? {} : { code: done.code }), done.path);
      const tree = this.#current?.tree;
      if (done.kept && tree !== undefined) {
        for (const evicted of this.#pool.offer(done.path, { ...tree, inodes: done.inodes })) this.#queue.push({ path: evicted, tree: undefined });
      }
      this.#current = undefined;
      this.#next();
    });
    const died = (err: unknown): void => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      const path = this.#current?.path;
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
