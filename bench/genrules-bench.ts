/**
 * `pnpm bench:bazel`: 200 independent trivial genrules built by Debian's
 * Bazel 4.2.3 through linux-actiond against Bazel's own linux-sandbox
 * (bench/README.md). Reads like its steps: generate the workspace in a temp
 * directory, start the server, warm Bazel up with --warmups builds of each kind,
 * then alternate timed builds (each after `bazel clean`), stop Bazel and the
 * server, report the ratio of median wall times. Bounded by --max-minutes;
 * removes its temp directory (Bazel's output root included) however it ends.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBazelBenchOptions, USAGE, type BazelBenchOptions } from './src/genrules-bench-options.ts';
import { GENRULES_BLOCK_MARKERS, formatGenrulesReport, type GenrulesBenchReport, type BuildSeries } from './src/genrules-bench-report.ts';
import { runBazelOk, type BazelOptions } from './src/run-bazel.ts';
import { parseProcessSummary, writeGenruleWorkspace } from './src/genrule-workspace.ts';
import { describeMachine } from './src/machine-description.ts';
import { processTreeCpuSeconds } from './src/process-cpu.ts';
import { writeResultsBlock } from './src/results-block.ts';
import { ServerProcess } from './src/server-process.ts';
import { removeWorkDirectory } from './src/work-directory.ts';
import { parseServeScript } from './src/serve-script.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** How `pnpm serve` starts the server: the benchmark starts it the same way. */
const SERVE = parseServeScript(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).scripts.serve);
const SERVER_MAIN = join(REPO, SERVE.script);
const RESULTS = join(REPO, 'bench/RESULTS.md');
/** Longest a single Bazel command may take. */
const BAZEL_TIMEOUT_MS = 5 * 60_000;

function progress(line: string): void {
  process.stderr.write(`[bench:bazel] ${line}\n`);
}

/** "Bazel 4.2.3+ds-9 (Debian bazel-bootstrap)": Debian's build reports no version of its own (`bazel --version` says no_version). */
function describeBazel(): string {
  const dpkg = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'bazel-bootstrap'], { encoding: 'utf8' });
  return dpkg.status === 0 && dpkg.stdout.trim() !== '' ? `Bazel ${dpkg.stdout.trim()} (Debian bazel-bootstrap)` : 'Bazel (version unknown: no bazel-bootstrap package)';
}

/** The pids of the server's direct children named actiond-sandbox: its launcher. */
function launcherPids(serverPid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      if (ppid === serverPid && comm === 'actiond-sandbox') pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** CPU seconds so far of these processes and their reaped children; a process gone meanwhile counts 0. */
function cpuOf(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += processTreeCpuSeconds(pid);
    } catch {
      // exited
    }
  }
  return total;
}

/** The builds of one kind, accumulated round by round. */
class BuildKind {
  readonly wallMs: number[] = [];
  readonly cpuSeconds: Record<string, number>[] = [];
  summary = '';
  readonly #name: string;
  readonly #args: readonly string[];
  readonly #expectedRunner: string;

  constructor(name: string, args: readonly string[], expectedRunner: string) {
    this.#name = name;
    this.#args = args;
    this.#expectedRunner = expectedRunner;
  }

  /**
   * `bazel clean`, then one build; checks that every genrule ran the
   * expected way (200 "remote" or 200 "linux-sandbox" in the summary) and,
   * when timed, records its wall time and the CPU of `cpuPids` meanwhile.
   */
  async build(bazel: BazelOptions, genrules: number, cpuPids: () => Record<string, number[]>, timed: boolean): Promise<void> {
    await runBazelOk(bazel, ['clean'], BAZEL_TIMEOUT_MS);
    const groups = Object.entries(cpuPids());
    const before = groups.map(([, pids]) => cpuOf(pids));
    const run = await runBazelOk(bazel, ['build', ...this.#args, '//:all'], BAZEL_TIMEOUT_MS);
    const used = Object.fromEntries(groups.map(([name, pids], i) => [name, cpuOf(pids) - before[i]!]));
    const kinds = parseProcessSummary(run.output);
    if (kinds.get(this.#expectedRunner) !== genrules) {
      throw new Error(`the ${this.#name} build ran ${JSON.stringify(Object.fromEntries(kinds))}, not ${genrules} ${this.#expectedRunner}`);
    }
    this.summary = run.output.split('\n').filter((line) => /^INFO: \d+ process/.test(line)).at(-1) ?? '';
    if (!timed) return;
    this.wallMs.push(run.wallMs);
    this.cpuSeconds.push(used);
    progress(`${this.#name}: ${(run.wallMs / 1000).toFixed(2)} s`);
  }

  get series(): BuildSeries {
    return { wallMs: this.wallMs, cpuSeconds: this.cpuSeconds, summary: this.summary };
  }
}

async function run(options: BazelBenchOptions, work: string, onServer: (server: ServerProcess) => void, bazel: BazelOptions): Promise<GenrulesBenchReport> {
  const startedAt = Date.now();
  const date = new Date(startedAt).toISOString().replace(/\.\d+Z$/, 'Z');
  const machine = describeMachine(work);
  writeGenruleWorkspace(bazel.workspace, options.genrules);
  const bazelVersion = describeBazel();

  progress(`starting ${[...SERVE.nodeFlags, SERVER_MAIN, ...SERVE.args].join(' ')} on ${join(work, 'root')}`);
  const server = await ServerProcess.start({
    script: SERVER_MAIN,
    nodeFlags: SERVE.nodeFlags,
    args: [...SERVE.args, '--listen=127.0.0.1:0', `--root=${join(work, 'root')}`],
  });
  onServer(server);
  try {
    const jobs = options.jobs === undefined ? [] : [`--jobs=${options.jobs}`];
    const actiond = new BuildKind('(a) actiond', ['--config=actiond', `--remote_executor=grpc://${server.address}`, ...jobs], 'remote');
    const sandbox = new BuildKind('(b) linux-sandbox', ['--config=sandbox', ...jobs], 'linux-sandbox');
    let bazelPid = 0;
    const bazelCpu = (): Record<string, number[]> => ({ 'Bazel server': [bazelPid] });
    const actiondCpu = (): Record<string, number[]> => ({ 'Bazel server': [bazelPid], 'actiond (Node)': [server.pid], 'launcher and sandboxes': launcherPids(server.pid) });

    progress(`warming up: ${options.warmups} untimed build(s) of each kind (${bazelVersion})`);
    for (let warmup = 0; warmup < options.warmups; warmup++) {
      await sandbox.build(bazel, options.genrules, () => ({}), false);
      if (bazelPid === 0) bazelPid = Number((await runBazelOk(bazel, ['info', 'server_pid'], 60_000)).output.trim().split('\n').at(-1));
      await actiond.build(bazel, options.genrules, () => ({}), false);
    }

    for (let round = 0; round < options.rounds; round++) {
      progress(`round ${round + 1} of ${options.rounds}`);
      server.checkAlive();
      // Alternate which goes first, so neither always follows the other's work.
      const order = round % 2 === 0 ? [[actiond, actiondCpu], [sandbox, bazelCpu]] as const : [[sandbox, bazelCpu], [actiond, actiondCpu]] as const;
      for (const [kind, cpu] of order) await kind.build(bazel, options.genrules, cpu, true);
    }
    progress(`stopping the server: ${await server.stop()}`);
    return {
      date,
      machine,
      bazelVersion,
      parameters: { rounds: options.rounds, warmups: options.warmups, genrules: options.genrules, jobs: options.jobs },
      actiond: actiond.series,
      sandbox: sandbox.series,
      totalSeconds: (Date.now() - startedAt) / 1000,
    };
  } catch (err) {
    server.checkAlive();
    throw err;
  } finally {
    await server.stop();
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let options: BazelBenchOptions | 'help';
  try {
    options = parseBazelBenchOptions(argv);
  } catch (err) {
    process.stderr.write(`bench:bazel: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench:bazel: the server executes actions only as root (namespaces, mounts, cgroups); run as root\n');
    return 2;
  }

  const work = mkdtempSync(join(tmpdir(), 'actiond-bazel-bench-'));
  const bazel: BazelOptions = { workspace: join(work, 'workspace'), outputUserRoot: join(work, 'bazel-root') };
  const servers: ServerProcess[] = [];
  let cleaned = false;
  const cleanUp = (): void => {
    if (cleaned) return;
    cleaned = true;
    for (const server of servers) server.killNow();
    // The Bazel server would otherwise idle on for --max_idle_secs.
    spawnSync('bazel', ['--nohome_rc', `--output_user_root=${bazel.outputUserRoot}`, 'shutdown'], { cwd: bazel.workspace, stdio: 'ignore', timeout: 60_000 });
    removeWorkDirectory(work, 'bench:bazel');
  };
  process.once('exit', cleanUp);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      progress(`${signal}: stopping`);
      cleanUp();
      process.exit(130);
    });
  }
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench:bazel: still running after --max-minutes=${options.maxMinutes}; giving up\n`);
    cleanUp();
    process.exit(1);
  }, options.maxMinutes * 60_000);
  watchdog.unref();

  try {
    const report = await run(options, work, (server) => servers.push(server), bazel);
    const text = formatGenrulesReport(report);
    process.stdout.write(`\n${text}\n`);
    if (options.writeResults) {
      writeResultsBlock(RESULTS, GENRULES_BLOCK_MARKERS, text);
      progress(`updated ${RESULTS}`);
    }
    return 0;
  } catch (err) {
    process.stderr.write(`bench:bazel: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  } finally {
    clearTimeout(watchdog);
    cleanUp();
  }
}

process.exitCode = await main(process.argv.slice(2));
