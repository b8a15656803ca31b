import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LinuxSandboxRunner, sandboxHelperArgs, type Runtime, type SandboxHelperLauncher } from '@actiond/sandbox-runner';

/** What {@link BareSandbox} runs. */
export interface BareSandboxOptions {
  /** actiond-sandbox (`sandboxHelperPath()`). */
  readonly helperPath: string;
  /** The runtime at `/`, as the server would bind it; undefined for libc=none. */
  readonly runtime: Runtime | undefined;
  /** An empty directory of its own, removed by `dispose`. */
  readonly directory: string;
  readonly argv: readonly string[];
  readonly environment: readonly { readonly name: string; readonly value: string }[];
  /** The ids the action runs as (the server's defaults, 65534). */
  readonly uid: number;
  readonly gid: number;
  /** How the helper is started; a child of this process per run unless given (as LinuxSandboxRunner does). */
  readonly launcher?: SandboxHelperLauncher;
}

/**
 * The sandbox alone: the same helper plan the server's LinuxSandboxRunner
 * makes for an action (runtime binds, /proc, /dev, /tmp, the input root at
 * /work, a private network namespace), without what the executor adds
 * around it (materialization, cgroups, output collection, cleanup) or the
 * gRPC and scheduler layers. The input root is a fixed empty directory
 * (1777, as materialized inputs are), reused by every run.
 */
export class BareSandbox {
  readonly #options: BareSandboxOptions;
  readonly #runner: LinuxSandboxRunner;
  readonly #inputRoot: string;

  private constructor(options: BareSandboxOptions) {
    this.#options = options;
    this.#runner = new LinuxSandboxRunner({ helperPath: options.helperPath, uid: options.uid, gid: options.gid, launcher: options.launcher });
    this.#inputRoot = join(options.directory, 'execroot');
  }

  /** Creates the run's directories under `options.directory` (which must exist and be empty). */
  static async create(options: BareSandboxOptions): Promise<BareSandbox> {
    const sandbox = new BareSandbox(options);
    await mkdir(sandbox.#inputRoot, { mode: 0o1777 });
    await mkdir(join(options.directory, 'root'));
    return sandbox;
  }

  /** The input root on the host, for a test that puts a static binary there. */
  get inputRoot(): string {
    return this.#inputRoot;
  }

  #request(signal: AbortSignal) {
    const dir = this.#options.directory;
    return {
      inputRoot: this.#inputRoot,
      workingDirectory: '',
      arguments: this.#options.argv,
      environment: this.#options.environment,
      runtime: this.#options.runtime,
      network: 'private' as const,
      cgroupProcs: [],
      timeoutMs: 60_000,
      stdoutPath: join(dir, 'stdout'),
      stderrPath: join(dir, 'stderr'),
      scratchDirectory: join(dir, 'root'),
      signal,
    };
  }

  /** One run through LinuxSandboxRunner (with the launcher given, or spawned from this Node); resolves to ms. */
  async run(): Promise<number> {
    const started = performance.now();
    const outcome = await this.#runner.run(this.#request(new AbortController().signal));
    const elapsed = performance.now() - started;
    if (outcome.kind !== 'exited' || outcome.exitCode !== 0) {
      throw new Error(`the bare sandbox run of ${this.#options.argv.join(' ')} did not exit 0: ${JSON.stringify(outcome)}`);
    }
    return elapsed;
  }

  /** The helper's full argv (its path first) for the same plan without a status fd, for the C driver. */
  helperArgv(): string[] {
    const plan = { ...this.#runner.plan(this.#request(new AbortController().signal)), statusFd: undefined };
    return [this.#options.helperPath, ...sandboxHelperArgs(plan)];
  }

  async dispose(): Promise<void> {
    await rm(this.#options.directory, { recursive: true, force: true });
  }
}
