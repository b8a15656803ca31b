import { sandboxHelperArgs } from './sandbox-helper-args.ts';
import type { SandboxHelperPlan, SandboxMountStep } from './sandbox-helper-args.ts';
import type { SandboxHelperLauncher } from './sandbox-helper-launcher.ts';
import { parseSandboxHelperStatus } from './sandbox-helper-status.ts';
import { SpawningSandboxHelperLauncher } from './spawning-sandbox-helper-launcher.ts';
import type { RunOutcome, RunRequest, Runner } from './runner.ts';
import type { Runtime } from './runtime-provider.ts';

/** How {@link LinuxSandboxRunner} runs actions. */
export interface LinuxSandboxRunnerOptions {
  /** The actiond-sandbox executable (`sandboxHelperPath()`). */
  readonly helperPath: string;
  /** The unprivileged ids actions run as: those the runtime images define (65534, nobody/nogroup). */
  readonly uid: number;
  readonly gid: number;
  /** Where the input root appears inside the sandbox; default {@link DEFAULT_SANDBOX_INPUT_ROOT}. */
  readonly inputRootPath?: string;
  /** On timeout or shutdown, SIGTERM first and SIGKILL this many ms later; default 0 (SIGKILL at once). */
  readonly killDelayMs?: number;
  /**
   * How the helper is started: by default a child of this process per run
   * ({@link SpawningSandboxHelperLauncher} of `helperPath`); `serve` passes
   * a {@link ForkServerSandboxHelperLauncher}, which spares the server a
   * fork of itself per action.
   */
  readonly launcher?: SandboxHelperLauncher;
}

/**
 * Where the input root is bound inside the sandbox. A fixed path, so that
 * paths an action embeds in its outputs (debug info, generated scripts) are
 * the same on every run.
 */
export const DEFAULT_SANDBOX_INPUT_ROOT = '/work';

/** Runtime entries the sandbox replaces with its own: fresh /proc, minimal /dev, private /tmp, and no /sys. */
const REPLACED_ENTRIES = new Set(['proc', 'dev', 'tmp', 'sys']);

/**
 * Runs commands with actiond-sandbox: new mount, PID, IPC, UTS and network
 * namespaces; the runtime's top-level directories bound read-only at `/`
 * (its symlinks recreated, so `bin -> usr/bin` stays one), the input root
 * bound writable at {@link DEFAULT_SANDBOX_INPUT_ROOT}, a fresh /proc, a
 * minimal /dev, a private /tmp, an /etc/hosts resolving localhost (the
 * runtime's own, or a generated one when there is no runtime /etc), only a
 * loopback interface unless the host network was granted, the given
 * unprivileged ids without capabilities, and exactly the command's
 * environment. The helper enforces the timeout; PID 1's exit kills
 * whatever the command left running.
 */
export class LinuxSandboxRunner implements Runner {
  readonly #options: LinuxSandboxRunnerOptions;
  readonly #inputRootPath: string;
  readonly #launcher: SandboxHelperLauncher;

  constructor(options: LinuxSandboxRunnerOptions) {
    this.#options = options;
    this.#inputRootPath = options.inputRootPath ?? DEFAULT_SANDBOX_INPUT_ROOT;
    this.#launcher = options.launcher ?? new SpawningSandboxHelperLauncher(options.helperPath);
  }

  /** The helper plan for a request; public for tests and logs. Throws InvalidSandboxPlanError on a bad request. */
  plan(request: RunRequest): SandboxHelperPlan {
    const inputRoot = this.#inputRootPath;
    const mounts: SandboxMountStep[] = [...runtimeSteps(request.runtime, inputRoot)];
    mounts.push({ kind: 'proc', target: '/proc' }, { kind: 'dev', target: '/dev' }, { kind: 'tmpfs', target: '/tmp' });
    if (request.runtime?.entries.some((entry) => entry.name === 'etc') !== true) {
      mounts.push({ kind: 'etc-hosts', target: '/etc/hosts' });
    }
    mounts.push({ kind: 'rw-bind', source: request.inputRoot, target: inputRoot });
    return {
      root: request.scratchDirectory,
      mounts,
      workdir: request.workingDirectory === '' ? inputRoot : `${inputRoot}/${request.workingDirectory}`,
      uid: this.#options.uid,
      gid: this.#options.gid,
      env: request.environment,
      argv: request.arguments,
      network: request.network === 'host',
      cgroupProcs: request.cgroupProcs,
      timeoutMs: request.timeoutMs,
      killDelayMs: this.#options.killDelayMs ?? 0,
      statusFd: 3,
      stdoutPath: request.stdoutPath,
      stderrPath: request.stderrPath,
    };
  }

  async run(request: RunRequest): Promise<RunOutcome> {
    const helper = this.#launcher.launch(sandboxHelperArgs(this.plan(request)));
    // The helper forwards SIGTERM into the sandbox and kills it; it then
    // reports `signal 15` (or 9 after the kill delay), which the caller
    // reads together with its own aborted signal.
    const onAbort = (): void => helper.terminate();
    request.signal.addEventListener('abort', onAbort);
    if (request.signal.aborted) onAbort();
    try {
      const { exitCode, signal, statusText, stderr } = await helper.exit;
      let status;
      try {
        status = parseSandboxHelperStatus(statusText);
      } catch (err) {
        const text = stderr.trim();
        const how = signal !== null ? `was killed by ${signal}` : `exited with ${exitCode}`;
        throw new Error(`actiond-sandbox ${how} without a valid status${text === '' ? '' : `; it said: ${text}`}`, { cause: err });
      }
      switch (status.kind) {
        case 'exit':
          return { kind: 'exited', exitCode: status.code, usage: status.usage };
        case 'signal':
          return { kind: 'signaled', signal: status.signal, usage: status.usage };
        case 'timeout':
          return { kind: 'timed-out', usage: status.usage };
        case 'setup-error':
          return { kind: 'setup-failed', message: status.message, actionFault: isActionFault(status.message) };
      }
    } finally {
      request.signal.removeEventListener('abort', onAbort);
    }
  }
}

/** The runtime's top level at `/`: directories and files bound read-only, symlinks recreated. */
function runtimeSteps(runtime: Runtime | undefined, inputRoot: string): SandboxMountStep[] {
  if (runtime === undefined) return [];
  const inputTop = inputRoot.split('/')[1];
  const steps: SandboxMountStep[] = [];
  for (const entry of runtime.entries) {
    if (REPLACED_ENTRIES.has(entry.name) || entry.name === inputTop) continue;
    const target = `/${entry.name}`;
    if (entry.kind === 'symlink') steps.push({ kind: 'symlink', linkText: entry.target, target });
    else steps.push({ kind: 'ro-bind', source: entry.source, target });
  }
  return steps;
}

/**
 * Whether a setup error is the action's own doing: the helper's messages
 * start with the C file and line (native/README.md), and exec.c only fails
 * when the program cannot be found or executed; a working directory that
 * cannot be entered is named by its flag.
 */
function isActionFault(message: string): boolean {
  return /^exec\.c:\d+: /.test(message) || message.includes('--workdir: chdir(');
}
