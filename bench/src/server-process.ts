import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** How to start a server. */
export interface ServerProcessOptions {
  /** The script Node runs: cmd/linux_actiond's `main.ts`, or the null ByteStream server. */
  readonly script: string;
  /** Its arguments (`serve --listen=127.0.0.1:0 --root=...` for linux-actiond). */
  readonly args: readonly string[];
  /** Node's own flags, before the script (those of `pnpm serve`, see serve-script.ts); none when absent. */
  readonly nodeFlags?: readonly string[];
  /** When set, the server runs with `--cpu-prof` and writes its profile here on exit. */
  readonly cpuProfileDirectory?: string;
  /** How long the server may take to print its listening line; 60 s unless given. */
  readonly startTimeoutMs?: number;
}

const LISTENING = /serving REAPI on (\S+?):(\d+)\b/;
const STDERR_LINES_KEPT = 40;

/** What the child process has done so far; shared with its event handlers. */
interface ChildState {
  /** Its last stderr lines. */
  readonly stderr: string[];
  /** How it ended ("exit status 1", "killed by SIGKILL"); undefined while it runs. */
  exit: string | undefined;
}

/**
 * A server as a child process, run by this same Node with the given Node
 * flags (for linux-actiond, those of `pnpm serve`) plus --cpu-prof when profiling,
 * listening on a port the OS picks. Its stderr is watched for the "serving
 * REAPI on host:port" line that tells the port; the last lines are kept so
 * a server that fails to start or dies mid-run is reported in its own words.
 */
export class ServerProcess {
  /** `host:port` to dial. */
  readonly address: string;
  /** The server's pid, for /proc sampling. */
  readonly pid: number;
  readonly #child: ChildProcess;
  readonly #state: ChildState;
  readonly #exited: Promise<void>;

  private constructor(child: ChildProcess, address: string, state: ChildState, exited: Promise<void>) {
    this.#child = child;
    this.address = address;
    this.pid = child.pid!;
    this.#state = state;
    this.#exited = exited;
  }

  /** Starts the server and resolves once it listens; rejects with its stderr if it exits or stays silent. */
  static async start(options: ServerProcessOptions): Promise<ServerProcess> {
    const profileFlags = options.cpuProfileDirectory === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDirectory}`];
    const nodeFlags = [...(options.nodeFlags ?? []), ...profileFlags];
    const child = spawn(process.execPath, [...nodeFlags, options.script, ...options.args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const state: ChildState = { stderr: [], exit: undefined };
    const exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        state.exit = signal !== null ? `killed by ${signal}` : `exit status ${code}`;
        resolve();
      });
      child.once('error', (err) => {
        state.exit = `could not be started: ${err.message}`;
        resolve();
      });
    });
    const address = new Promise<string>((resolve) => {
      createInterface({ input: child.stderr! }).on('line', (line) => {
        state.stderr.push(line);
        if (state.stderr.length > STDERR_LINES_KEPT) state.stderr.shift();
        const match = LISTENING.exec(line);
        if (match !== null) resolve(`${match[1]}:${match[2]}`);
      });
    });
    const timeoutMs = options.startTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      address,
      exited.then(() => 'exited' as const),
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (outcome === 'exited' || outcome === 'timeout') {
      child.kill('SIGKILL');
      const why = outcome === 'timeout' ? `did not print "serving REAPI on" within ${timeoutMs} ms` : state.exit;
      throw new Error(`the server ${why}; its last stderr lines:\n${state.stderr.join('\n')}`);
    }
    return new ServerProcess(child, outcome, state, exited);
  }

  /** Resolves to true once the server has exited, or to false after `timeoutMs` if it has not. */
  async exitsWithin(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const exited = await Promise.race([
      this.#exited.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    return exited;
  }

  /** Throws, with the server's last words, if it is no longer running. */
  checkAlive(): void {
    if (this.#state.exit !== undefined) {
      throw new Error(`the server stopped during the benchmark (${this.#state.exit}); its last stderr lines:\n${this.#state.stderr.join('\n')}`);
    }
  }

  /**
   * SIGTERM, then waits for the exit (the server finishes running calls
   * and, when profiling, writes its profile); SIGKILL after `graceMs`.
   * Resolves to how it exited.
   */
  async stop(graceMs = 20_000): Promise<string> {
    if (this.#state.exit === undefined) {
      this.#child.kill('SIGTERM');
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
      await this.#exited;
      clearTimeout(timer);
    }
    return this.#state.exit ?? 'unknown';
  }

  /** Kills the server at once, synchronously: for `process.on('exit')` when the benchmark itself fails. */
  killNow(): void {
    if (this.#state.exit === undefined) this.#child.kill('SIGKILL');
  }
}
