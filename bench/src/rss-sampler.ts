import { readProcessMemory } from './process-memory.ts';

/**
 * Samples a process's VmRSS on a timer and keeps the highest value seen per
 * named phase, so the report can say which load drove memory up. Sampling
 * can miss a short spike; VmHWM (read by the caller at the end) cannot, and
 * the report quotes both.
 */
export class RssSampler {
  readonly #pid: number;
  readonly #peaks = new Map<string, number>();
  #phase: string | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(pid: number) {
    this.#pid = pid;
  }

  /** Starts sampling every `intervalMs`; samples are attributed to the current phase, if any. */
  start(intervalMs: number): void {
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
  }

  /** Takes one sample now (also called at phase boundaries so short phases get one). */
  sample(): number | undefined {
    let rss: number;
    try {
      rss = readProcessMemory(this.#pid).rssBytes;
    } catch {
      return undefined; // the process has exited; its death is reported by whoever waits on it
    }
    if (this.#phase !== undefined) this.#peaks.set(this.#phase, Math.max(this.#peaks.get(this.#phase) ?? 0, rss));
    return rss;
  }

  /** Attributes the following samples to `phase` (undefined: to none). */
  enter(phase: string | undefined): void {
    this.sample();
    this.#phase = phase;
    this.sample();
  }

  /** Highest sampled VmRSS per phase, in the order phases were first entered. */
  get peaks(): ReadonlyMap<string, number> {
    return this.#peaks;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
