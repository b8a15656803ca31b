/**
 * `pnpm bench:execute`: the execution benchmarks of bench/README.md against
 * the real linux-actiond, started as a child process on a fresh --root in a
 * temp directory. Reads like its steps: start the server, upload the
 * actions, then round after round run each trivial Execute and each
 * baseline (fork+exec from Node and from C, the bare sandbox from Node and
 * from C), interleaved so a busy spell on the shared machine hits all of
 * them; then materialize a 10,000-file tree directly and through Execute;
 * stop the server, report. Bounded by --max-minutes; removes its temp
 * directory however it ends.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DirectoryRuntimeProvider, ForkServerSandboxHelperLauncher, sandboxHelperPath, type Runtime } from '@actiond/sandbox-runner';
import { BareSandbox } from './src/bare-sandbox.ts';
import { buildAction, emptyInputTree, singleExecutableTree, wideInputTree, type BenchAction } from './src/bench-actions.ts';
import { profileCovers, summarizeProfile, type CpuProfile } from './src/cpu-profile-summary.ts';
import { parseExecuteBenchOptions, USAGE, type ExecuteBenchOptions } from './src/execute-bench-options.ts';
import { EXECUTE_BLOCK_MARKERS, formatExecuteReport, type ExecuteBenchReport, type ExecuteSeries, type RoundSeries } from './src/execute-bench-report.ts';
import { ExecuteClient } from './src/execute-client.ts';
import { executeRuns, explainRuns, type ExecuteRun } from './src/execute-runs.ts';
import { describeMachine } from './src/machine-description.ts';
import { DirectMaterializer } from './src/materialization-benchmark.ts';
import type { Interval } from './src/measurement.ts';
import { serverTreeCpuSeconds } from './src/execute-server-cpu.ts';
import { writeResultsBlock } from './src/results-block.ts';
import { ServerProcess } from './src/server-process.ts';
import { removeWorkDirectory } from './src/work-directory.ts';
import { parseServeScript } from './src/serve-script.ts';
import { compileSpawnLoop, nodeSpawnOnce, runSpawnLoop } from './src/spawn-baselines.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** How `pnpm serve` starts the server: the benchmark starts it the same way. */
const SERVE = parseServeScript(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).scripts.serve);
const SERVER_MAIN = join(REPO, SERVE.script);
const RESULTS = join(REPO, 'bench/RESULTS.md');
/** The runtime the trivial dynamic action asks for, as Bazel's `--remote_default_exec_properties=libc=...` would. */
const RUNTIME = 'glibc2.36';
/** A statically linked program for the libc=none action (Debian's busybox-static). */
const STATIC_BINARY = '/bin/busybox';
/** The server's default action ids (--sandbox-uid, --sandbox-gid). */
const ACTION_ID = 65534;
const PATH = [{ name: 'PATH', value: '/bin:/usr/bin' }];
/** Pause before each of the spaced-out wide Executes: longer than the server takes to remove the last one's 10,000 inputs. */
const WIDE_GAP_MS = 2_000;
/** Untimed runs of everything before the first round: page cache, JIT, the CAS's executable variants. */
const WARM_UP_RUNS = 5;

function progress(line: string): void {
  process.stderr.write(`[bench:execute] ${line}\n`);
}

/** Runs `body` `runs` times, one after another, collecting what each returns (ms). */
async function repeat(runs: number, body: () => Promise<number>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await body());
  return times;
}

/** The runtime the server mounted: its image's one mount under <root>/runtimes. */
async function serverRuntime(root: string, name: string): Promise<Runtime> {
  const mounts = readdirSync(join(root, 'runtimes'));
  if (mounts.length !== 1) throw new Error(`expected one runtime image mount under ${join(root, 'runtimes')}, found ${mounts.length}`);
  const runtime = (await DirectoryRuntimeProvider.open(join(root, 'runtimes', mounts[0]!))).resolve(name);
  if (runtime === undefined) throw new Error(`the server's runtime image has no ${name}`);
  return runtime;
}

/** One trivial action's Executes, accumulated round by round. */
class ExecuteSeriesBuilder {
  readonly rounds: ExecuteRun[][] = [];
  readonly serverCpuMs: number[] = [];
  readonly intervals: Interval[] = [];
  readonly action: BenchAction;
  readonly note: string;

  constructor(action: BenchAction, note: string) {
    this.action = action;
    this.note = note;
  }

  async round(client: ExecuteClient, serverPid: number, runs: number): Promise<void> {
    // The server and its sandbox launcher, whose helpers and actions it reaps.
    const cpu = serverTreeCpuSeconds(serverPid);
    const startNs = process.hrtime.bigint();
    const results = await executeRuns(client, this.action, runs);
    this.intervals.push({ startNs, endNs: process.hrtime.bigint() });
    this.serverCpuMs.push(((serverTreeCpuSeconds(serverPid) - cpu) * 1000) / runs);
    this.rounds.push(results);
  }

  async build(client: ExecuteClient): Promise<ExecuteSeries> {
    const rounds = [];
    for (const round of this.rounds) rounds.push(await explainRuns(client, round));
    return { name: this.action.name, note: this.note, rounds, serverCpuMs: this.serverCpuMs };
  }
}

/** One baseline, accumulated round by round. */
class BaselineSeries {
  readonly name: string;
  readonly note: string;
  readonly rounds: number[][] = [];
  readonly #measure: (runs: number) => Promise<number[]>;

  constructor(name: string, note: string, measure: (runs: number) => Promise<number[]>) {
    this.name = name;
    this.note = note;
    this.#measure = measure;
  }

  async round(runs: number): Promise<void> {
    this.rounds.push(await this.#measure(runs));
  }

  async warmUp(): Promise<void> {
    await this.#measure(WARM_UP_RUNS);
  }

  get series(): RoundSeries {
    return { name: this.name, note: this.note, rounds: this.rounds };
  }
}

async function run(options: ExecuteBenchOptions, work: string, onServer: (server: ServerProcess) => void): Promise<ExecuteBenchReport> {
  const startedAt = Date.now();
  const date = new Date(startedAt).toISOString().replace(/\.\d+Z$/, 'Z');
  const machine = describeMachine(work);
  const root = join(work, 'root');
  const profileDirectory = options.profile ? join(work, 'profile') : undefined;
  if (profileDirectory !== undefined) mkdirSync(profileDirectory);

  progress(`compiling the C spawn loop`);
  const spawnLoop = await compileSpawnLoop(work);
  const busybox = readFileSync(STATIC_BINARY);

  progress(`starting ${[...SERVE.nodeFlags, SERVER_MAIN, ...SERVE.args].join(' ')} on ${root}${options.profile ? ' under --cpu-prof' : ''}`);
  const server = await ServerProcess.start({
    script: SERVER_MAIN,
    nodeFlags: SERVE.nodeFlags,
    args: [...SERVE.args, '--listen=127.0.0.1:0', `--root=${root}`],
    ...(profileDirectory ? { cpuProfileDirectory: profileDirectory } : {}),
  });
  onServer(server);
  const client = new ExecuteClient(server.address);
  const sandboxes: BareSandbox[] = [];
  let forkServer: ForkServerSandboxHelperLauncher | undefined;
  try {
    const dynamic = buildAction({
      name: `/bin/true, libc=${RUNTIME}`,
      arguments: ['/bin/true'],
      environment: PATH,
      platform: [{ name: 'libc', value: RUNTIME }],
      inputs: emptyInputTree(),
    });
    const staticAction = buildAction({
      name: 'busybox true, libc=none',
      arguments: ['./busybox', 'true'],
      platform: [{ name: 'libc', value: 'none' }],
      inputs: singleExecutableTree('busybox', busybox),
    });
    const wideTree = wideInputTree(options.wideFiles / 100, 100, `wide-${startedAt}`);
    const wide = buildAction({
      name: `/bin/true over ${options.wideFiles} input files`,
      arguments: ['/bin/true'],
      environment: PATH,
      platform: [{ name: 'libc', value: RUNTIME }],
      inputs: wideTree,
    });
    progress(`uploading the actions (${wideTree.blobs.length + 6} blobs)`);
    await client.upload([...dynamic.blobs, ...staticAction.blobs, ...wide.blobs], 120_000);

    const helperPath = sandboxHelperPath();
    const runtime = await serverRuntime(root, RUNTIME);
    // The server's way of starting the helper, for the bare sandbox too.
    forkServer = new ForkServerSandboxHelperLauncher(helperPath);
    const bare = async (name: string, rt: Runtime | undefined, argv: string[], forked = false): Promise<BareSandbox> => {
      const directory = join(work, name);
      mkdirSync(directory);
      const launcher = forked ? forkServer : undefined;
      const sandbox = await BareSandbox.create({ helperPath, runtime: rt, directory, argv, environment: PATH, uid: ACTION_ID, gid: ACTION_ID, launcher });
      sandboxes.push(sandbox);
      return sandbox;
    };
    const bareDynamic = await bare('bare-dynamic', runtime, ['/bin/true']);
    const bareForked = await bare('bare-forked', runtime, ['/bin/true'], true);
    const bareStatic = await bare('bare-static', undefined, ['./busybox', 'true'], true);
    copyFileSync(STATIC_BINARY, join(bareStatic.inputRoot, 'busybox'));

    const executes = [
      new ExecuteSeriesBuilder(dynamic, 'the glibc2.36 runtime bound at /, empty input root'),
      new ExecuteSeriesBuilder(staticAction, 'no userland; the static busybox is the only input'),
    ];
    const nodeTrue = new BaselineSeries('fork+exec /bin/true from Node', '`child_process.spawn`, to its exit event', (n) => repeat(n, () => nodeSpawnOnce(['/bin/true'])));
    const cTrue = new BaselineSeries('fork+exec /bin/true from C', '`fork` + `execv` + `waitpid` in a C loop', (n) => runSpawnLoop(spawnLoop, n, ['/bin/true']));
    const bareForkServer = new BaselineSeries(`bare sandbox, /bin/true in ${RUNTIME}, fork server`, 'actiond-sandbox with the server\'s plan through `LinuxSandboxRunner.run` and `actiond-sandbox --launcher`, as the server starts it; no cgroups', (n) => repeat(n, () => bareForked.run()));
    const bareSpawned = new BaselineSeries(`bare sandbox, /bin/true in ${RUNTIME}, spawned from Node`, 'the same, each run a `child_process.spawn` of this process', (n) => repeat(n, () => bareDynamic.run()));
    const bareFromC = new BaselineSeries(`bare sandbox, /bin/true in ${RUNTIME}, from C`, 'the same helper argv from the C loop', (n) => runSpawnLoop(spawnLoop, n, bareDynamic.helperArgv()));
    const bareStaticForkServer = new BaselineSeries('bare sandbox, busybox true, libc=none, fork server', 'as above, no runtime binds', (n) => repeat(n, () => bareStatic.run()));
    const baselines = [nodeTrue, cTrue, bareForkServer, bareSpawned, bareFromC, bareStaticForkServer];

    progress('warming up');
    for (const series of executes) await executeRuns(client, series.action, WARM_UP_RUNS);
    for (const baseline of baselines) await baseline.warmUp();

    for (let round = 0; round < options.rounds; round++) {
      progress(`round ${round + 1} of ${options.rounds}`);
      for (const series of executes) {
        server.checkAlive();
        await series.round(client, server.pid, options.runsPerRound);
      }
      for (const baseline of baselines) await baseline.round(options.runsPerRound);
    }

    progress(`materializing ${options.wideFiles} files directly, ${options.wideRuns} runs`);
    const directDirectory = join(work, 'direct');
    mkdirSync(directDirectory);
    const direct = await DirectMaterializer.open(directDirectory, wideTree);
    await direct.once(); // warm-up: the Directory cache and the blob paths
    const directRuns = [];
    for (let i = 0; i < options.wideRuns; i++) directRuns.push(await direct.once());
    progress(`executing over ${options.wideFiles} input files, ${options.wideRuns} runs back to back, then ${options.wideRuns} runs ${WIDE_GAP_MS} ms apart`);
    await executeRuns(client, wide, 1);
    const wideRuns = await explainRuns(client, await executeRuns(client, wide, options.wideRuns));
    // The server removes each action's tree after answering; apart, no run meets the last one's removal.
    const wideApartRuns = [];
    for (let i = 0; i < options.wideRuns; i++) {
      await sleep(WIDE_GAP_MS);
      wideApartRuns.push(...(await executeRuns(client, wide, 1)));
    }
    const wideApart = await explainRuns(client, wideApartRuns);

    const executeSeries = [];
    for (const series of executes) executeSeries.push(await series.build(client));
    client.close();
    progress(`stopping the server: ${await server.stop()}`);

    let profile;
    if (profileDirectory !== undefined) {
      const file = readdirSync(profileDirectory).find((name) => name.endsWith('.cpuprofile'));
      if (file === undefined) throw new Error(`the server wrote no .cpuprofile into ${profileDirectory}`);
      const cpuProfile = JSON.parse(readFileSync(join(profileDirectory, file), 'utf8')) as CpuProfile;
      const intervals = executes.flatMap((s) => s.intervals);
      if (!profileCovers(cpuProfile, intervals)) throw new Error('the server\'s profile does not cover the timed Executes');
      profile = summarizeProfile(cpuProfile, intervals, REPO, 25);
    }
    return {
      date,
      machine,
      parameters: { rounds: options.rounds, runsPerRound: options.runsPerRound, wideRuns: options.wideRuns, wideFiles: options.wideFiles },
      executes: executeSeries,
      baselines: baselines.map((b) => b.series),
      ratios: [
        { execute: dynamic.name, baseline: bareForkServer.name },
        { execute: dynamic.name, baseline: cTrue.name },
        { execute: staticAction.name, baseline: bareStaticForkServer.name },
      ],
      wide: { files: wideTree.files, bytes: wideTree.bytes, direct: directRuns, executes: wideRuns, executesApart: wideApart, gapMs: WIDE_GAP_MS },
      ...(profile ? { profile } : {}),
      totalSeconds: (Date.now() - startedAt) / 1000,
    };
  } catch (err) {
    server.checkAlive(); // a dead server explains the failure better than the RPC error does
    throw err;
  } finally {
    client.close();
    await forkServer?.close();
    for (const sandbox of sandboxes) await sandbox.dispose();
    await server.stop();
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let options: ExecuteBenchOptions | 'help';
  try {
    options = parseExecuteBenchOptions(argv);
  } catch (err) {
    process.stderr.write(`bench:execute: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench:execute: the server executes actions only as root (namespaces, mounts, cgroups); run as root\n');
    return 2;
  }

  const work = mkdtempSync(join(tmpdir(), 'actiond-execute-bench-'));
  const servers: ServerProcess[] = [];
  const cleanUp = (): void => {
    for (const server of servers) server.killNow();
    removeWorkDirectory(work, 'bench:execute');
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
    process.stderr.write(`bench:execute: still running after --max-minutes=${options.maxMinutes}; giving up\n`);
    cleanUp();
    process.exit(1);
  }, options.maxMinutes * 60_000);
  watchdog.unref();

  try {
    const report = await run(options, work, (server) => servers.push(server));
    const text = formatExecuteReport(report);
    process.stdout.write(`\n${text}\n`);
    if (options.writeResults) {
      writeResultsBlock(RESULTS, EXECUTE_BLOCK_MARKERS, text);
      progress(`updated ${RESULTS}`);
    }
    return 0;
  } catch (err) {
    process.stderr.write(`bench:execute: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  } finally {
    clearTimeout(watchdog);
    cleanUp();
  }
}

process.exitCode = await main(process.argv.slice(2));
