import type { ExecuteResponse } from '@actiond/proto';
import type { BenchAction } from './bench-actions.ts';
import type { ExecuteClient } from './execute-client.ts';
import { parseTimingsLog, type TimingsLog } from './timings-log.ts';

/** One Execute as the client saw it. */
export interface ExecuteRun {
  /** From the call to the done operation, ms: what a client waits. */
  readonly e2eMs: number;
  readonly response: ExecuteResponse;
}

/** One Execute with the server's account of it. */
export interface ExplainedExecuteRun extends ExecuteRun {
  readonly timings: TimingsLog;
}

/**
 * Executes `action` `runs` times, one after another, each with
 * skip_cache_lookup so it really runs; every response must be status OK
 * with exit code 0 and carry a `timings` server log, or this throws naming
 * the run. The logs are fetched afterwards (see {@link explainRuns}), so
 * the timed loop does nothing but Execute.
 */
export async function executeRuns(client: ExecuteClient, action: BenchAction, runs: number, timeoutMs = 60_000): Promise<ExecuteRun[]> {
  const results: ExecuteRun[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const response = await client.execute(action.actionDigest, timeoutMs);
    const e2eMs = performance.now() - started;
    const code = response.status?.code ?? 0;
    if (code !== 0 || response.result?.exitCode !== 0) {
      throw new Error(`Execute of ${action.name} (run ${i}) failed: status ${code} ${JSON.stringify(response.status?.message ?? '')}, exit code ${response.result?.exitCode}, message ${JSON.stringify(response.message)}`);
    }
    if (response.serverLogs['timings']?.digest === undefined) throw new Error(`Execute of ${action.name} (run ${i}) returned no "timings" server log`);
    results.push({ e2eMs, response });
  }
  return results;
}

/** Fetches and parses the `timings` log of each run (distinct logs read once, in batches). */
export async function explainRuns(client: ExecuteClient, runs: readonly ExecuteRun[]): Promise<ExplainedExecuteRun[]> {
  const digests = new Map<string, { hash: string; sizeBytes: number }>();
  for (const run of runs) {
    const digest = run.response.serverLogs['timings']!.digest!;
    digests.set(digest.hash, digest);
  }
  const texts = new Map<string, string>();
  const unique = [...digests.values()];
  for (let i = 0; i < unique.length; i += 500) {
    const batch = unique.slice(i, i + 500);
    const blobs = await client.read(batch, 60_000);
    batch.forEach((digest, j) => texts.set(digest.hash, blobs[j]!.toString('utf8')));
  }
  return runs.map((run) => ({ ...run, timings: parseTimingsLog(texts.get(run.response.serverLogs['timings']!.digest!.hash)!) }));
}
