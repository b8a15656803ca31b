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
  /** CPU seconds the server and this client used meanwhile, when timed with {@link timedCall}. */
  readonly cpu?: { readonly server: number; readonly client: number };
}

/** Runs `body` and times it on the monotonic clock. */
export async function timed<T>(body: () => Promise<T> | T): Promise<TimedRun<T>> {
  const startNs = process.hrtime.bigint();
  const value = await body();
  const endNs = process.hrtime.bigint();
  return { startNs, endNs, seconds: Number(endNs - startNs) / 1e9, value };
}

/**
 * Times a call to the server and also counts the CPU seconds the server
 * (process `serverPid`, all threads) and this client spent meanwhile. On a
 * shared machine that is steadier than wall time: it says what the work
 * costs, whoever else was running.
 */
export async function timedCall<T>(serverPid: number, body: () => Promise<T>): Promise<TimedRun<T>> {
  const server = processCpuSeconds(serverPid);
  const client = ownCpuSeconds();
  const run = await timed(body);
  return { ...run, cpu: { server: processCpuSeconds(serverPid) - server, client: ownCpuSeconds() - client } };
}
