import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { abortLinkJob, newLinkJobState, runLinkJob, type LinkJob, type LinkJobFailure, type LinkJobResult } from './link-job.ts';
import type { LinkOutcome, TreeLinker } from './tree-linker.ts';

/**
 * The worker's whole program: `runLinkJob` for every job posted. Its source
 * text travels as a string (`eval: true`), so the standalone server's single
 * bundle needs no separate worker file. Errors outside `runLinkJob` (none
 * are expected) still answer the job, after stopping it everywhere.
 */
const WORKER_SOURCE = `'use strict';
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const runLinkJob = (${runLinkJob.toString()});
parentPort.on('message', ({ job, state }) => {
  let result;
  try {
    result = runLinkJob(job, state, fs);
  } catch (err) {
    Atomics.store(state, 1, 1);
    for (let i = 2; i < state.length; i++) Atomics.notify(state, i);
    result = { copied: [], failure: { directory: -1, entry: -1, code: err && err.code, message: String(err && err.message || err) } };
  }
  parentPort.postMessage(result);
});
`;

/** Threads by default: one per core up to 4; ext4 serialises creation per directory, so more buys nothing here. */
const DEFAULT_THREADS = Math.max(2, Math.min(availableParallelism(), 4));

/**
 * Runs each {@link LinkJob} on a few worker threads at once, each claiming
 * directories one at a time (see `runLinkJob`), so that the kernel work of
 * 10,000 link(2) calls (about 10 µs each on the benchmark disk, almost all
 * of it in ext4) spreads over the cores, and the server's event loop stays
 * free meanwhile.
 *
 * Threads start on the first `warmUp()` or job (a fresh thread takes
 * 20-200 ms to start, so `warmUp` early), and do not keep the process
 * alive while idle. A thread that dies fails the jobs it held (the others
 * are stopped first, so nothing writes to the target after the promise
 * settles) and is replaced on the next job.
 */
export class WorkerPoolTreeLinker implements TreeLinker {
  readonly #threads: number;
  #workers: LinkWorker[] = [];

  constructor(threads: number = DEFAULT_THREADS) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`a worker pool needs at least one thread, not ${threads}`);
    this.#threads = threads;
  }

  warmUp(): void {
    this.#workers = this.#workers.filter((w) => w.alive);
    while (this.#workers.length < this.#threads) this.#workers.push(new LinkWorker());
  }

  async link(job: LinkJob): Promise<LinkOutcome> {
    this.warmUp();
    const state = newLinkJobState(job, true);
    const settled = await Promise.allSettled(this.#workers.map((w) => w.run(job, state)));
    const copied: number[] = [];
    let failure: LinkJobFailure | undefined;
    let died: unknown;
    for (const s of settled) {
      if (s.status === 'rejected') {
        died ??= s.reason;
        continue;
      }
      copied.push(...s.value.copied);
      failure ??= s.value.failure;
    }
    if (died !== undefined) throw new Error(`a materialization thread died: ${died instanceof Error ? died.message : String(died)}`, { cause: died });
    return { copied, failure };
  }

  /** Stops the threads (jobs in flight fail); the next job starts new ones. For tests and shutdown. */
  async close(): Promise<void> {
    const workers = this.#workers;
    this.#workers = [];
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** One thread and the jobs posted to it, answered in order. */
class LinkWorker {
  readonly #worker: Worker;
  readonly #pending: { state: Int32Array; resolve: (r: LinkJobResult) => void; reject: (e: unknown) => void }[] = [];
  #dead: unknown;

  constructor() {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, name: 'actiond-materializer' });
    this.#worker.on('message', (result: LinkJobResult) => {
      this.#pending.shift()?.resolve(result);
      if (this.#pending.length === 0) this.#worker.unref();
    });
    this.#worker.on('error', (err) => this.#die(err));
    this.#worker.on('exit', (code) => this.#die(new Error(`the thread exited with code ${code}`)));
    // After the listeners: adding a 'message' listener references the worker again.
    this.#worker.unref();
  }

  get alive(): boolean {
    return this.#dead === undefined;
  }

  run(job: LinkJob, state: Int32Array): Promise<LinkJobResult> {
    if (this.#dead !== undefined) return Promise.reject(this.#dead);
    return new Promise((resolve, reject) => {
      this.#pending.push({ state, resolve, reject });
      // Referenced while it holds a job: the process must not exit under it.
      this.#worker.ref();
      this.#worker.postMessage({ job, state });
    });
  }

  terminate(): Promise<number> {
    return this.#worker.terminate();
  }

  #die(err: unknown): void {
    this.#dead ??= err;
    for (const job of this.#pending.splice(0)) {
      // Its directories will never be marked: stop and wake the other threads on the same job.
      abortLinkJob(job.state);
      job.reject(this.#dead);
    }
  }
}
