/**
 * A/B of two checkouts on the trivial Execute of bench:execute (glibc
 * /bin/true, empty input root, skip_cache_lookup, one call at a time): both
 * servers run at once, each on its own temp --root, started as each
 * checkout's `pnpm serve` does, and the rounds alternate between them (the
 * order flipping every round), so a busy spell on the shared machine hits
 * both alike. Prints, per checkout, the end-to-end p50 and p95 and the
 * server's CPU per Execute (Node and the sandbox launcher with what it
 * reaped, and Node's own part), per round and their median; and the median of the per-round
 * ratios B/A of the medians, steadier than either p50 on a busy machine.
 * Prints only; see bench/README.md.
 *
 *   pnpm exec node bench/src/execute-ab.ts <checkout A> <checkout B> [--rounds=10] [--runs=30]
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAction, emptyInputTree } from './bench-actions.ts';
import { AB_USAGE, parseAbOptions } from './execute-ab-options.ts';
import { ExecuteClient } from './execute-client.ts';
import { executeRuns } from './execute-runs.ts';
import { serverTreeCpuSeconds } from './execute-server-cpu.ts';
import { processCpuSeconds } from './process-cpu.ts';
import { percentile } from './percentile.ts';
import { parseServeScript } from './serve-script.ts';
import { ServerProcess } from './server-process.ts';
import { median } from './statistics.ts';
import { removeWorkDirectory } from './work-directory.ts';

/** Untimed Executes on each server before the first round. */
const WARM_UP_RUNS = 10;

/** One checkout's server and what it measured. */
interface Side {
  readonly checkout: string;
  readonly server: ServerProcess;
  readonly client: ExecuteClient;
  readonly e2eMs: number[];
  readonly medianMsPerRound: number[];
  readonly cpuMsPerRound: number[];
  /** The Node process's own part of cpuMsPerRound, without the launcher and sandboxes. */
  readonly nodeCpuMsPerRound: number[];
}

/** Starts the checkout's server as its `pnpm serve` does, on `root`. */
export async function startCheckoutServer(checkout: string, root: string): Promise<ServerProcess> {
  const serve = parseServeScript(JSON.parse(readFileSync(join(checkout, 'package.json'), 'utf8')).scripts.serve);
  return ServerProcess.start({
    script: join(checkout, serve.script),
    nodeFlags: serve.nodeFlags,
    args: [...serve.args, '--listen=127.0.0.1:0', `--root=${root}`],
  });
}

async function main(argv: readonly string[]): Promise<number> {
  let options;
  try {
    options = parseAbOptions(argv, { rounds: 10, runs: 30 });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${AB_USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${AB_USAGE}\n`);
    return 0;
  }
  const work = mkdtempSync(join(tmpdir(), 'execute-ab-'));
  const sides: Side[] = [];
  try {
    for (const [i, checkout] of options.checkouts.entries()) {
      const server = await startCheckoutServer(checkout, join(work, `root-${i}`));
      sides.push({ checkout, server, client: new ExecuteClient(server.address), e2eMs: [], medianMsPerRound: [], cpuMsPerRound: [], nodeCpuMsPerRound: [] });
    }
    const action = buildAction({
      name: '/bin/true, libc=glibc2.36',
      arguments: ['/bin/true'],
      environment: [{ name: 'PATH', value: '/bin:/usr/bin' }],
      platform: [{ name: 'libc', value: 'glibc2.36' }],
      inputs: emptyInputTree(),
    });
    for (const side of sides) {
      await side.client.upload(action.blobs, 60_000);
      await executeRuns(side.client, action, WARM_UP_RUNS);
    }
    for (let round = 0; round < options.rounds; round++) {
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
        side.server.checkAlive();
        const cpu = serverTreeCpuSeconds(side.server.pid);
        const nodeCpu = processCpuSeconds(side.server.pid);
        const runs = await executeRuns(side.client, action, options.runs);
        side.cpuMsPerRound.push(((serverTreeCpuSeconds(side.server.pid) - cpu) * 1000) / options.runs);
        side.nodeCpuMsPerRound.push(((processCpuSeconds(side.server.pid) - nodeCpu) * 1000) / options.runs);
        side.e2eMs.push(...runs.map((run) => run.e2eMs));
        side.medianMsPerRound.push(median(runs.map((run) => run.e2eMs)));
      }
      process.stderr.write(`[execute-ab] round ${round + 1} of ${options.rounds}\n`);
    }
    for (const [i, side] of sides.entries()) {
      process.stdout.write(
        `${'AB'[i]} ${side.checkout}: end to end p50 ${median(side.e2eMs).toFixed(2)} ms, p95 ${percentile(side.e2eMs, 95).toFixed(2)} ms ` +
          `(${side.e2eMs.length} Executes); server CPU per Execute ${side.cpuMsPerRound.map((ms) => ms.toFixed(1)).join(', ')} ms per round, ` +
          `median ${median(side.cpuMsPerRound).toFixed(2)} ms, of which Node alone ${median(side.nodeCpuMsPerRound).toFixed(2)} ms ` +
          `(${side.nodeCpuMsPerRound.map((ms) => ms.toFixed(1)).join(', ')})\n`,
      );
    }
    // Rounds next to each other met the same load: their ratio is steadier than either number.
    const [a, b] = sides as [Side, Side];
    const ratios = a.medianMsPerRound.map((ms, round) => b.medianMsPerRound[round]! / ms);
    process.stdout.write(
      `B / A, the ratio of each round's medians: median ${median(ratios).toFixed(3)}, ` +
        `quartiles ${percentile(ratios, 25).toFixed(3)} to ${percentile(ratios, 75).toFixed(3)} (${ratios.length} rounds)\n`,
    );
    return 0;
  } finally {
    for (const side of sides) {
      side.client.close();
      await side.server.stop();
    }
    removeWorkDirectory(work, 'execute-ab');
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
