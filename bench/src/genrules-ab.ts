/**
 * A/B of two checkouts on the Bazel benchmark of bench:bazel: one warm
 * Bazel server builds the 200 genrules (a) through linux-actiond from
 * checkout A, (b) through linux-actiond from checkout B, and (c) with
 * Bazel's own linux-sandbox, each build after `bazel clean`, the order of
 * the three flipping every round. Prints per kind the median wall time and
 * the runs, and for A and B the server's CPU per genrule (Node and the
 * sandbox launcher with what it reaped, and Node's own part) and the ratio of medians to
 * linux-sandbox. Prints only; see bench/README.md.
 *
 *   pnpm exec node bench/src/genrules-ab.ts <checkout A> <checkout B> [--rounds=5]
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCheckoutServer } from './execute-ab.ts';
import { AB_USAGE, parseAbOptions } from './execute-ab-options.ts';
import { serverTreeCpuSeconds } from './execute-server-cpu.ts';
import { processCpuSeconds } from './process-cpu.ts';
import { parseProcessSummary, writeGenruleWorkspace } from './genrule-workspace.ts';
import { runBazelOk, type BazelOptions } from './run-bazel.ts';
import type { ServerProcess } from './server-process.ts';
import { median } from './statistics.ts';
import { removeWorkDirectory } from './work-directory.ts';

const GENRULES = 200;
const BAZEL_TIMEOUT_MS = 5 * 60_000;

/** One kind of build and what it measured. */
interface Kind {
  readonly name: string;
  readonly args: readonly string[];
  readonly runner: string;
  readonly server: ServerProcess | undefined;
  readonly wallMs: number[];
  readonly cpuMsPerGenrule: number[];
  /** The Node process's own part of cpuMsPerGenrule. */
  readonly nodeCpuMsPerGenrule: number[];
}

async function build(bazel: BazelOptions, kind: Kind, timed: boolean): Promise<void> {
  await runBazelOk(bazel, ['clean'], BAZEL_TIMEOUT_MS);
  const cpu = kind.server === undefined ? 0 : serverTreeCpuSeconds(kind.server.pid);
  const nodeCpu = kind.server === undefined ? 0 : processCpuSeconds(kind.server.pid);
  const run = await runBazelOk(bazel, ['build', ...kind.args, '//:all'], BAZEL_TIMEOUT_MS);
  const used = kind.server === undefined ? 0 : serverTreeCpuSeconds(kind.server.pid) - cpu;
  const usedByNode = kind.server === undefined ? 0 : processCpuSeconds(kind.server.pid) - nodeCpu;
  if (parseProcessSummary(run.output).get(kind.runner) !== GENRULES) {
    throw new Error(`the ${kind.name} build did not run ${GENRULES} ${kind.runner} processes:\n${run.output.slice(-2000)}`);
  }
  if (!timed) return;
  kind.wallMs.push(run.wallMs);
  kind.cpuMsPerGenrule.push((used * 1000) / GENRULES);
  kind.nodeCpuMsPerGenrule.push((usedByNode * 1000) / GENRULES);
}

async function main(argv: readonly string[]): Promise<number> {
  let options;
  try {
    options = parseAbOptions(argv, { rounds: 5, runs: 1 });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${AB_USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${AB_USAGE}\n`);
    return 0;
  }
  const work = mkdtempSync(join(tmpdir(), 'genrules-ab-'));
  const bazel: BazelOptions = { workspace: join(work, 'workspace'), outputUserRoot: join(work, 'bazel') };
  const servers: ServerProcess[] = [];
  try {
    mkdirSync(bazel.workspace);
    writeGenruleWorkspace(bazel.workspace, GENRULES);
    for (const [i, checkout] of options.checkouts.entries()) servers.push(await startCheckoutServer(checkout, join(work, `root-${i}`)));
    const kinds: Kind[] = [
      ...options.checkouts.map((checkout, i) => ({
        name: `${'AB'[i]} ${checkout}`,
        args: ['--config=actiond', `--remote_executor=grpc://${servers[i]!.address}`],
        runner: 'remote',
        server: servers[i],
        wallMs: [],
        cpuMsPerGenrule: [],
        nodeCpuMsPerGenrule: [],
      })),
      { name: 'linux-sandbox', args: ['--config=sandbox'], runner: 'linux-sandbox', server: undefined, wallMs: [], cpuMsPerGenrule: [], nodeCpuMsPerGenrule: [] },
    ];
    for (const kind of kinds) await build(bazel, kind, false);
    for (let round = 0; round < options.rounds; round++) {
      for (const kind of round % 2 === 0 ? kinds : [...kinds].reverse()) await build(bazel, kind, true);
      process.stderr.write(`[genrules-ab] round ${round + 1} of ${options.rounds}\n`);
    }
    const sandbox = median(kinds[2]!.wallMs);
    for (const kind of kinds) {
      const wall = median(kind.wallMs);
      const runs = kind.wallMs.map((ms) => (ms / 1000).toFixed(2)).join(', ');
      const server = kind.server === undefined ? '' : `; server CPU per genrule ${median(kind.cpuMsPerGenrule).toFixed(2)} ms, of which Node alone ${median(kind.nodeCpuMsPerGenrule).toFixed(2)} ms; ÷ linux-sandbox ${(wall / sandbox).toFixed(3)}`;
      process.stdout.write(`${kind.name}: median ${(wall / 1000).toFixed(2)} s (${runs})${server}\n`);
    }
    return 0;
  } finally {
    await runBazelOk(bazel, ['shutdown'], 60_000).catch(() => {});
    for (const server of servers) await server.stop();
    removeWorkDirectory(work, 'genrules-ab');
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
