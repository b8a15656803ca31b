import { ownCpuSeconds, processCpuSeconds } from './cpu-time.ts';

/**
 * One timed execution: its interval on the monotonic clock (the same
 * CLOCK_MONOTONIC that V8's CPU profiler stamps samples with, so a server
 * profile can be cut into the benchmark's phases) and what it returned.
 */
export interface TimedRun<T> {
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly seconds: number;
  readonly value: T;
  /** CPU seconds this process (the benchmark, the client) used meanwhile. */
  readonly ownCpuSeconds: number;
  /** CPU seconds the server used meanwhile, when timed with {@link timedCall}. */
  readonly serverCpuSeconds?: number;
}

/** Runs `body` and times it on the monotonic clock, counting this process's CPU seconds too. */
export async function timed<T>(body: () => Promise<T> | T): Promise<TimedRun<T>> {
  const cpu = ownCpuSeconds();
  const startNs = process.hrtime.bigint();
  const value = await body();
  const endNs = process.hrtime.bigint();
  return { startNs, endNs, seconds: Number(endNs - startNs) / 1e9, value, ownCpuSeconds: ownCpuSeconds() - cpu };
}

/**
 * Times a call to the server and also counts the CPU seconds the server
 * (process `serverPid`, all threads) and this client spent meanwhile. On a
 * shared machine that is steadier than wall time: it says what the work
 * costs, whoever else was running.
 */
export async function timedCall<T>(serverPid: number, body: () => Promise<T>): Promise<TimedRun<T>> {
  const server = processCpuSeconds(serverPid);
  const run = await timed(body);
  return { ...run, serverCpuSeconds: processCpuSeconds(serverPid) - server };
}
