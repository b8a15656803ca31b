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
 * these intervals) and, for calls to the server, the CPU each side spent
 * as a share of the run's wall time (1 = one core busy throughout).
 */
export class Measurement {
  readonly name: string;
  readonly unit: string;
  readonly values: number[] = [];
  readonly intervals: Interval[] = [];
  readonly serverCpuShares: number[] = [];
  readonly clientCpuShares: number[] = [];

  constructor(name: string, unit: string) {
    this.name = name;
    this.unit = unit;
  }

  /** Records one run: `value` derived from the run by the caller (a rate, a latency). */
  add(run: TimedRun<unknown>, value: number): void {
    this.values.push(value);
    this.intervals.push({ startNs: run.startNs, endNs: run.endNs });
    if (run.cpu !== undefined) {
      this.serverCpuShares.push(run.cpu.server / run.seconds);
      this.clientCpuShares.push(run.cpu.client / run.seconds);
    }
  }

  get median(): number {
    return median(this.values);
  }
}
