// Test support for the black-box tests of actiond-sandbox: a test root made of
// the host's own /usr (and the merged-usr /bin, /lib, /lib64) bound
// read-only, and a runner that collects what the helper writes. Not exported
// from index.ts.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxHelperArgs } from './sandbox-helper-args.ts';
import type { SandboxHelperPlan } from './sandbox-helper-args.ts';
import { sandboxHelperPath } from './sandbox-helper-path.ts';
import { parseSandboxHelperStatus } from './sandbox-helper-status.ts';
import type { SandboxHelperStatus } from './sandbox-helper-status.ts';

/** Why the helper cannot run here, for `test(..., { skip })`; false when it can. */
export const needsRoot: string | false =
  process.platform !== 'linux'
    ? 'actiond-sandbox is Linux-only'
    : process.getuid?.() !== 0
      ? 'actiond-sandbox needs root to create namespaces and mounts'
      : false;

/** The unprivileged ids the test actions run as. */
export const ACTION_UID = 12345;
export const ACTION_GID = 12346;

/** Host directories of one test sandbox; `dispose` removes them. */
export interface SandboxDirs {
  /** Empty directory for plan.root. */
  readonly root: string;
  /** Writable by the action; bound at /execroot. */
  readonly execroot: string;
  /** Scratch space for the test itself (status files, stdout files), not visible inside. */
  readonly scratch: string;
  /** Removes all three. */
  dispose(): Promise<void>;
}

/** Makes a fresh set of directories under the OS temp dir, the execroot owned by the action's ids. */
export async function makeSandboxDirs(): Promise<SandboxDirs> {
  const base = await mkdtemp(join(tmpdir(), 'actiond-sandbox-test-'));
  const dirs = { root: join(base, 'root'), execroot: join(base, 'execroot'), scratch: join(base, 'scratch') };
  await Promise.all(Object.values(dirs).map((dir) => mkdir(dir)));
  await chown(dirs.execroot, ACTION_UID, ACTION_GID);
  return { ...dirs, dispose: () => rm(base, { recursive: true, force: true }) };
}

/** A runtime assembled from the host for tests: its /usr, and /bin, /lib, /lib64 where they exist. */
export function testPlan(dirs: SandboxDirs, overrides: Partial<SandboxHelperPlan> = {}): SandboxHelperPlan {
  const runtime = ['/usr', '/bin', '/lib', '/lib64']
    .filter((path) => existsSync(path))
    .map((path) => ({ kind: 'ro-bind', source: path, target: path }) as const);
  return {
    root: dirs.root,
    mounts: [
      ...runtime,
      { kind: 'proc', target: '/proc' },
      { kind: 'dev', target: '/dev' },
      { kind: 'tmpfs', target: '/tmp' },
      { kind: 'rw-bind', source: dirs.execroot, target: '/execroot' },
      { kind: 'etc-hosts', target: '/etc/hosts' },
    ],
    workdir: '/execroot',
    uid: ACTION_UID,
    gid: ACTION_GID,
    env: [{ name: 'PATH', value: '/usr/bin:/bin' }],
    argv: ['true'],
    statusFd: 3,
    ...overrides,
  };
}

/** What one helper run produced. */
export interface HelperRun {
  /** The helper's exit status (null if a signal killed the helper itself). */
  readonly exitCode: number | null;
  /** What the action (and the helper) wrote to stdout and stderr. */
  readonly stdout: string;
  readonly stderr: string;
  /** Everything written to fd 3 (the --status-fd of testPlan). */
  readonly statusText: string;
}

/** A run whose status fd carried a well-formed line. */
export interface SandboxRun extends HelperRun {
  /** The parsed status line. */
  readonly status: SandboxHelperStatus;
}

/** How to drive one helper run. */
export interface RunOptions {
  /** Written to the helper's stdin, which the action must never see. */
  readonly stdin?: string;
  /** Called once the helper has started, e.g. to signal it. */
  readonly onSpawn?: (child: ChildProcess) => void;
  /** An open fd of this process the helper gets as its fd 4. */
  readonly fd4?: number;
}

/** Runs the helper with raw arguments; fd 3 is a pipe for --status-fd 3. */
export function runHelper(args: readonly string[], options: RunOptions = {}): Promise<HelperRun> {
  const stdio: ('pipe' | number)[] = ['pipe', 'pipe', 'pipe', 'pipe'];
  if (options.fd4 !== undefined) stdio.push(options.fd4);
  const child = spawn(sandboxHelperPath(), args, { stdio });
  const collect = (index: number): Promise<string> => {
    const stream = child.stdio[index] as NodeJS.ReadableStream;
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    return new Promise((resolve, reject) => {
      stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      stream.on('error', reject);
    });
  };
  const outputs = Promise.all([collect(1), collect(2), collect(3)]);
  // The helper never reads stdin, so the pipe may be closed under our write.
  const stdin = child.stdin!; // 'pipe' above
  stdin.on('error', () => {});
  stdin.end(options.stdin ?? '');
  options.onSpawn?.(child);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode) => {
      outputs.then(([stdout, stderr, statusText]) => resolve({ exitCode, stdout, stderr, statusText }), reject);
    });
  });
}

/** Runs a plan and parses its status line (throwing if there is none). */
export async function runPlan(plan: SandboxHelperPlan, options: RunOptions = {}): Promise<SandboxRun> {
  const run = await runHelper(sandboxHelperArgs(plan), options);
  return { ...run, status: parseSandboxHelperStatus(run.statusText) };
}

/** Runs a bash script as the action, with the test plan. */
export function runBash(
  dirs: SandboxDirs,
  script: string,
  overrides: Partial<SandboxHelperPlan> = {},
  options: RunOptions = {},
): Promise<SandboxRun> {
  return runPlan(testPlan(dirs, { argv: ['bash', '-c', script], ...overrides }), options);
}
