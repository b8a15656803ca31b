import { Worker } from 'node:worker_threads';

/**
 * The worker's code, plain CommonJS so it needs no file of its own: one
 * node:crypto hash per job, fed views of shared memory in the order the
 * main thread posts them, each acknowledged once hashed (the main thread
 * may then reuse that memory).
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  try {
    if (m.op === 'update') {
      let hash = hashes.get(m.job);
      if (hash === undefined) { hash = createHash(m.algorithm); hashes.set(m.job, hash); }
      hash.update(new Uint8Array(m.memory, m.offset, m.length));
      parentPort.postMessage({ seq: m.seq });
    } else if (m.op === 'digest') {
      const hash = hashes.get(m.job) ?? createHash(m.algorithm);
      hashes.delete(m.job);
      parentPort.postMessage({ seq: m.seq, hex: hash.digest('hex') });
    } else if (m.op === 'drop') {
      hashes.delete(m.job);
    }
  } catch (err) {
    parentPort.postMessage({ seq: m.seq, error: String(err && err.message || err) });
  }
});
`;

interface Reply {
  readonly seq: number;
  readonly hex?: string;
  readonly error?: string;
}

/**
 * One thread that hashes for the whole process, so SHA-256 of a large
 * upload runs beside the main thread, which meanwhile receives and stages
 * the next bytes, instead of on it (SHA-256 is the largest single cost of a
 * large ByteStream Write: about 0.65 CPU-s per GB here). Started on first
 * use; it keeps the process alive only while work is outstanding.
 *
 * Only memory that can be shared with a thread (SharedArrayBuffer) is
 * accepted, so nothing is copied; the caller must not change a range
 * before its update has resolved.
 */
export class HashingThread {
  static #shared: HashingThread | undefined;
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  #seq = 0;
  #nextJob = 0;
  #failure: Error | undefined;

  private constructor() {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true });
    this.#worker.unref();
    this.#worker.on('message', (reply: Reply) => {
      const waiter = this.#pending.get(reply.seq);
      if (waiter === undefined) return;
      this.#pending.delete(reply.seq);
      if (this.#pending.size === 0) this.#worker.unref();
      if (reply.error !== undefined) waiter.reject(new Error(`hashing thread: ${reply.error}`));
      else waiter.resolve(reply);
    });
    const fail = (error: Error): void => {
      this.#failure = error;
      for (const waiter of this.#pending.values()) waiter.reject(error);
      this.#pending.clear();
      if (HashingThread.#shared === this) HashingThread.#shared = undefined;
    };
    this.#worker.on('error', (error) => fail(new Error(`hashing thread failed: ${error.message}`)));
    this.#worker.on('exit', (code) => fail(new Error(`hashing thread exited with code ${code}`)));
  }

  /** The process's hashing thread, started if needed. */
  static shared(): HashingThread {
    return (HashingThread.#shared ??= new HashingThread());
  }

  /** A new hash job for `algorithm` (a node:crypto name such as "sha256"). */
  startJob(algorithm: string): ThreadHashJob {
    return new ThreadHashJob(this, this.#nextJob++, algorithm);
  }

  /** @internal Posts one message and resolves with its reply. */
  request(message: Record<string, unknown>): Promise<Reply> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const seq = this.#seq++;
    return new Promise<Reply>((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(seq, { resolve, reject });
      this.#worker.postMessage({ ...message, seq });
    });
  }

  /** @internal Posts a message that has no reply. */
  post(message: Record<string, unknown>): void {
    if (this.#failure === undefined) this.#worker.postMessage(message);
  }
}

/** One incremental hash computed on the {@link HashingThread}; updates are hashed in call order. */
export class ThreadHashJob {
  readonly #thread: HashingThread;
  readonly #job: number;
  readonly #algorithm: string;
  #done = false;

  constructor(thread: HashingThread, job: number, algorithm: string) {
    this.#thread = thread;
    this.#job = job;
    this.#algorithm = algorithm;
  }

  /** Hashes `view` (over a SharedArrayBuffer) after the earlier updates; resolves once the thread is done with it. */
  async update(view: Uint8Array): Promise<void> {
    if (!(view.buffer instanceof SharedArrayBuffer)) throw new TypeError('ThreadHashJob.update needs a view of a SharedArrayBuffer');
    if (view.length === 0) return;
    await this.#thread.request({ op: 'update', job: this.#job, algorithm: this.#algorithm, memory: view.buffer, offset: view.byteOffset, length: view.length });
  }

  /** The lowercase hex hash of everything updated; call once, after every update was made. */
  async digestHex(): Promise<string> {
    this.#done = true;
    const reply = await this.#thread.request({ op: 'digest', job: this.#job, algorithm: this.#algorithm });
    return reply.hex!;
  }

  /** Forgets the job without a result (an abandoned upload). */
  drop(): void {
    if (this.#done) return;
    this.#done = true;
    this.#thread.post({ op: 'drop', job: this.#job });
  }
}
