import type { NetworkMode } from './platform-properties.ts';
import type { Runtime } from './runtime-provider.ts';

/** One command to run over an input root that is already laid out on the host. */
export interface RunRequest {
  /** Host directory holding the input root; the command may write in it (outputs go there). */
  readonly inputRoot: string;
  /** Where the command runs, relative to the input root ('' for the root); it exists. */
  readonly workingDirectory: string;
  /** argv; `arguments[0]` without a slash is looked up in the environment's PATH. */
  readonly arguments: readonly string[];
  /** Exactly the command's environment (names unique). */
  readonly environment: readonly { readonly name: string; readonly value: string }[];
  /** The userland at `/`, or none. */
  readonly runtime: Runtime | undefined;
  readonly network: NetworkMode;
  /** cgroup.procs files the command joins before it starts. */
  readonly cgroupProcs: readonly string[];
  /** Kill the command after this long; 0: never. */
  readonly timeoutMs: number;
  /** Host files the command's stdout and stderr go to (created or truncated). */
  readonly stdoutPath: string;
  readonly stderrPath: string;
  /** An empty host directory the runner may use while the command runs. */
  readonly scratchDirectory: string;
  /** Aborted when the server shuts down: the runner then kills the command and resolves. */
  readonly signal: AbortSignal;
}

/** What the processes of one run used. */
export interface RunUsage {
  /** Wall time of the run as the runner's timeout clock saw it (sandbox creation included). */
  readonly wallMicros: number;
  readonly userMicros: number;
  readonly systemMicros: number;
  /** Largest resident set of any one process. */
  readonly maxRssKib: number;
}

/** How a run ended. */
export type RunOutcome =
  | { readonly kind: 'exited'; readonly exitCode: number; readonly usage: RunUsage }
  /** Killed by `signal` (by itself, the OOM killer, or the runner on shutdown). */
  | { readonly kind: 'signaled'; readonly signal: number; readonly usage: RunUsage }
  /** The timeout elapsed and everything was killed; stdout and stderr hold what was written until then. */
  | { readonly kind: 'timed-out'; readonly usage: RunUsage }
  /**
   * The command never started. `actionFault` when the action is to blame
   * (its program does not exist or cannot be executed, its working
   * directory is not a directory) rather than the server.
   */
  | { readonly kind: 'setup-failed'; readonly message: string; readonly actionFault: boolean };

/**
 * Runs one command in isolation: the Linux sandbox helper on this host
 * ({@link LinuxSandboxRunner}), later a VM. The caller owns the input root,
 * the cgroups and the output files; the runner only runs. Resolves with how
 * the run ended; rejects only when the runner itself broke (its helper
 * crashed, for example), with an Error saying how.
 */
export interface Runner {
  run(request: RunRequest): Promise<RunOutcome>;
}
