import { spawn } from 'node:child_process';

/** How one Bazel command ended, with what it printed (stdout and stderr together) and how long it took. */
export interface BazelRun {
  readonly exitCode: number | null;
  readonly output: string;
  readonly wallMs: number;
}

/** Where and how Bazel runs. */
export interface BazelOptions {
  /** The workspace directory (its cwd). */
  readonly workspace: string;
  /** --output_user_root: the benchmark's own, so nothing of another Bazel server is reused. */
  readonly outputUserRoot: string;
  /** The `bazel` executable; `bazel` on PATH unless given. */
  readonly executable?: string;
}

/**
 * Runs Bazel with the startup options every benchmark command shares:
 * `--nohome_rc` (a user's ~/.bazelrc could add a cache; the system rc stays,
 * Debian's sets the install base), the benchmark's own output root, and a
 * server that stays up between commands (warm) but exits by itself 10
 * minutes after the benchmark is gone. Rejects if Bazel cannot be started
 * or runs past `timeoutMs` (then it is killed); a failing command resolves
 * with its exit code.
 */
export function runBazel(options: BazelOptions, args: readonly string[], timeoutMs: number): Promise<BazelRun> {
  const startup = ['--nohome_rc', `--output_user_root=${options.outputUserRoot}`, '--max_idle_secs=600'];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(options.executable ?? 'bazel', [...startup, ...args], { cwd: options.workspace, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bazel ${args.join(' ')} ran for more than ${timeoutMs} ms and was killed; it printed:\n${Buffer.concat(chunks).toString('utf8').slice(-2000)}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run bazel (Debian's bazel-bootstrap 4.2.3): ${err.message}`, { cause: err }));
    });
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode, output: Buffer.concat(chunks).toString('utf8'), wallMs: performance.now() - started });
    });
  });
}

/** runBazel that must exit 0; throws with the end of its output otherwise. */
export async function runBazelOk(options: BazelOptions, args: readonly string[], timeoutMs: number): Promise<BazelRun> {
  const run = await runBazel(options, args, timeoutMs);
  if (run.exitCode !== 0) throw new Error(`bazel ${args.join(' ')} exited with ${run.exitCode}:\n${run.output.slice(-3000)}`);
  return run;
}
