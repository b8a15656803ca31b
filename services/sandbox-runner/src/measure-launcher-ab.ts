// Informal A/B of two actiond-sandbox binaries through the server's way of
// starting runs (`actiond-sandbox --launcher`, ForkServerSandboxHelperLauncher),
// run by hand as root:
//
//   pnpm exec node services/sandbox-runner/src/measure-launcher-ab.ts A B [--rounds=10] [--runs=50]
//
// A and B are helper executables (say a copy of build/Release/actiond-sandbox
// from before a change, and the current one). Each gets its own launcher and
// runs the server's plan for an action (the host's userland as the runtime,
// /proc, /dev, /tmp, the input root writable at /work, a private network
// namespace, no cgroups) of `bash -c 'echo N > out'`, the genrules of
// bench:bazel. Rounds alternate between A and B, the order flipping every
// round, so a busy spell on the shared machine hits both alike.
//
// Prints per side and round the CPU per run of the launcher with everything
// it reaped (utime, stime, cutime and cstime of /proc/<launcher>/stat: the
// helper, its PID 1 and the action), the machine-wide busy CPU per run
// (/proc/stat; also counts kernel threads, such as namespace cleanup, and
// whatever else the machine does meanwhile), the median wall time per run,
// and the median CPU of the sandbox itself (PID 1 with the action, which it
// reaps: the status line's user_us + sys_us, exact to the microsecond, where
// the /proc times count in 10 ms ticks); then the medians over rounds and the median of the per-round ratios
// B/A.
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ForkServerSandboxHelperLauncher } from './fork-server-sandbox-helper-launcher.ts';
import { makeHostRuntime, SANDBOX_GID, SANDBOX_UID } from './host-runtime-fixture.ts';
import { LinuxSandboxRunner } from './linux-sandbox-runner.ts';
import type { RunRequest } from './runner.ts';

/** CLK_TCK: the unit of the times in /proc/<pid>/stat and /proc/stat. */
const TICKS_PER_SECOND = 100;
const WARM_UP_RUNS = 20;

function option(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (arg === undefined) return fallback;
  const value = Number(arg.slice(name.length + 3));
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name}: '${arg}' is not a positive integer`);
  return value;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** CPU ms of `pid` and the children it reaped. */
async function launcherCpuMs(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ').slice(11, 15).map(Number);
  return (fields.reduce((a, b) => a + b, 0) * 1000) / TICKS_PER_SECOND;
}

/** Busy CPU ms of the whole machine so far (every CPU, all but idle and iowait). */
async function machineBusyMs(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
  const [user, nice, system, , , irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number);
  return ((user! + nice! + system! + irq! + softirq! + steal!) * 1000) / TICKS_PER_SECOND;
}

interface Side {
  readonly name: string;
  readonly launcher: ForkServerSandboxHelperLauncher;
  readonly runner: LinuxSandboxRunner;
  readonly directory: string;
  readonly cpuMsPerRun: number[];
  readonly machineMsPerRun: number[];
  readonly wallMs: number[];
  readonly sandboxMs: number[];
}

async function main(): Promise<void> {
  const [helperA, helperB] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (helperA === undefined || helperB === undefined) throw new Error('usage: measure-launcher-ab.ts A B [--rounds=10] [--runs=50]');
  const rounds = option('rounds', 10);
  const runs = option('runs', 50);
  const host = await makeHostRuntime();
  const work = await mkdtemp(join(tmpdir(), 'launcher-ab-'));
  const sides: Side[] = [];
  try {
    for (const [i, helperPath] of [helperA, helperB].entries()) {
      const directory = join(work, 'AB'[i]!);
      await mkdir(join(directory, 'execroot'), { recursive: true });
      // Writable by the action's ids, as materialized input roots are (umask aside).
      await chmod(join(directory, 'execroot'), 0o1777);
      await mkdir(join(directory, 'root'));
      const launcher = new ForkServerSandboxHelperLauncher(helperPath);
      const runner = new LinuxSandboxRunner({ helperPath, uid: SANDBOX_UID, gid: SANDBOX_GID, launcher });
      sides.push({ name: `${'AB'[i]} ${helperPath}`, launcher, runner, directory, cpuMsPerRun: [], machineMsPerRun: [], wallMs: [], sandboxMs: [] });
    }
    const request = (side: Side, n: number): RunRequest => ({
      inputRoot: join(side.directory, 'execroot'),
      workingDirectory: '',
      arguments: ['/bin/bash', '-c', `echo ${n} > out`],
      environment: [{ name: 'PATH', value: '/bin:/usr/bin' }],
      runtime: host.runtime,
      network: 'private',
      cgroupProcs: [],
      timeoutMs: 60_000,
      stdoutPath: join(side.directory, 'stdout'),
      stderrPath: join(side.directory, 'stderr'),
      scratchDirectory: join(side.directory, 'root'),
      signal: new AbortController().signal,
    });
    /** Wall ms and the sandbox's CPU ms (PID 1 and the action, from the status line) of each run. */
    const batch = async (side: Side, n: number): Promise<{ walls: number[]; sandbox: number[] }> => {
      const walls: number[] = [];
      const sandbox: number[] = [];
      for (let i = 0; i < n; i++) {
        const started = performance.now();
        const outcome = await side.runner.run(request(side, i));
        walls.push(performance.now() - started);
        if (outcome.kind !== 'exited' || outcome.exitCode !== 0) throw new Error(`${side.name}: ${JSON.stringify(outcome)}`);
        sandbox.push((outcome.usage.userMicros + outcome.usage.systemMicros) / 1000);
      }
      return { walls, sandbox };
    };
    for (const side of sides) await batch(side, WARM_UP_RUNS);
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) {
        const pid = side.launcher.launcherPid!;
        const cpu = await launcherCpuMs(pid);
        const busy = await machineBusyMs();
        const { walls, sandbox } = await batch(side, runs);
        side.cpuMsPerRun.push((await launcherCpuMs(pid) - cpu) / runs);
        side.machineMsPerRun.push((await machineBusyMs() - busy) / runs);
        side.wallMs.push(median(walls));
        side.sandboxMs.push(median(sandbox));
      }
      const cells = sides.map((s) => `${s.name.slice(0, 1)} cpu ${s.cpuMsPerRun.at(-1)!.toFixed(2)} machine ${s.machineMsPerRun.at(-1)!.toFixed(2)} wall p50 ${s.wallMs.at(-1)!.toFixed(2)} sandbox p50 ${s.sandboxMs.at(-1)!.toFixed(3)}`);
      console.log(`round ${round + 1}: ${cells.join(' | ')} (ms per run)`);
    }
    for (const side of sides) {
      console.log(`${side.name}: median over ${rounds} rounds of ${runs} runs: launcher+runs CPU ${median(side.cpuMsPerRun).toFixed(2)} ms/run, machine busy ${median(side.machineMsPerRun).toFixed(2)} ms/run, wall p50 ${median(side.wallMs).toFixed(2)} ms, sandbox (PID 1 and action) CPU p50 ${median(side.sandboxMs).toFixed(3)} ms`);
    }
    const ratio = (pick: (s: Side) => number[]) => median(pick(sides[0]!).map((a, i) => pick(sides[1]!)[i]! / a)).toFixed(3);
    console.log(`median per-round ratio B/A: launcher+runs CPU ${ratio((s) => s.cpuMsPerRun)}, machine busy ${ratio((s) => s.machineMsPerRun)}, wall ${ratio((s) => s.wallMs)}, sandbox CPU ${ratio((s) => s.sandboxMs)}`);
  } finally {
    for (const side of sides) await side.launcher.close();
    await rm(work, { recursive: true, force: true });
    await host.dispose();
  }
}

await main();
