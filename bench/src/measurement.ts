import { median } from './statistics.ts';
import type { TimedRun } from './timed-run.ts';

/** The time span of one timed run on the monotonic clock (see {@link TimedRun}). */
export interface Interval {
  readonly startNs: bigint;
  readonly endNs: bigint;
}

/**
 * One quantity measured several times: every run's value (in `unit`), the
 * interval it was measured over (so a server profile can be cut to exactly
 * these intervals), and the CPU seconds spent by this process and, for
 * calls to the server, by the server. On a shared machine CPU seconds say
 * what the work costs whoever else is running; wall time does not.
 */
export class Measurement {
  readonly name: string;
  readonly unit: string;
  readonly values: number[] = [];
  readonly intervals: Interval[] = [];
  readonly seconds: number[] = [];
  readonly ownCpuSeconds: number[] = [];
  readonly serverCpuSeconds: number[] = [];

  constructor(name: string, unit: string) {
    this.name = name;
    this.unit = unit;
  }

  /** Records one run: `value` derived from the run by the caller (a rate, a latency). */
  add(run: TimedRun<unknown>, value: number): void {
    this.values.push(value);
    this.intervals.push({ startNs: run.startNs, endNs: run.endNs });
    this.seconds.push(run.seconds);
    this.ownCpuSeconds.push(run.ownCpuSeconds);
    if (run.serverCpuSeconds !== undefined) this.serverCpuSeconds.push(run.serverCpuSeconds);
  }

  get median(): number {
    return median(this.values);
  }
}
