import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { HelperExit, LaunchedHelper, SandboxHelperLauncher } from './sandbox-helper-launcher.ts';

/** How long {@link ForkServerSandboxHelperLauncher.close} waits for running sandboxes before SIGKILL. */
const CLOSE_GRACE_MS = 10_000;
/** The launcher's own stderr kept for error messages. */
const STDERR_KEPT = 4096;
const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, number]) => [number, name as NodeJS.Signals]),
);

interface Pending {
  resolve(exit: HelperExit): void;
  reject(error: Error): void;
}

/** One running `actiond-sandbox --launcher` and the runs it owes answers for. */
interface Server {
  readonly child: ChildProcess;
  readonly pending: Map<number, Pending>;
  readonly exited: Promise<void>;
  stderr: string;
  /** Set once it exited or broke: why, for every run still pending. */
  failure: Error | undefined;
}

/**
 * Starts helper runs through one long-lived `actiond-sandbox --launcher`
 * process (native/launcher.h), started on the first launch and again after
 * it dies: the server asks it over a pipe, it forks and execs the helper
 * and answers with the exit status, the status line and stderr. Forking the
 * small launcher instead of the server saves milliseconds per action
 * (bench/RESULTS.md). Runs are independent: the launcher serves any number
 * at once.
 *
 * If the launcher dies, every run it was serving rejects with an Error
 * naming how it ended and its last stderr; the sandboxes it had started run
 * on to their own timeout, unwatched. `close()` ends it (it stops the
 * running sandboxes first) and is the last call.
 */
export class ForkServerSandboxHelperLauncher implements SandboxHelperLauncher {
  readonly #helperPath: string;
  #server: Server | undefined;
  #nextId = 1;
  #closed = false;

  /** `helperPath`: the actiond-sandbox executable (`sandboxHelperPath()`). */
  constructor(helperPath: string) {
    this.#helperPath = helperPath;
  }

  launch(args: readonly string[]): LaunchedHelper {
    if (this.#closed) {
      return { exit: Promise.reject(new Error('the sandbox launcher was closed')), terminate: () => {} };
    }
    for (const [i, arg] of args.entries()) {
      // The helper's arguments travel NUL-terminated, as execve takes them.
      if (arg.includes('\0')) throw new Error(`the sandbox helper's argument ${i} contains a NUL byte`);
    }
    const server = this.#running();
    const id = this.#nextId++;
    const payload = Buffer.from(args.map((arg) => `${arg}\0`).join(''), 'utf8');
    const exit = new Promise<HelperExit>((resolve, reject) => {
      if (server.failure !== undefined) reject(server.failure);
      else server.pending.set(id, { resolve, reject });
    });
    holdOpen(server, true);
    server.child.stdin!.write(Buffer.concat([Buffer.from(`run ${id} ${payload.length}\n`), payload]));
    return {
      exit,
      terminate: () => {
        if (server.pending.has(id) && server.failure === undefined) server.child.stdin!.write(`kill ${id} ${constants.signals.SIGTERM}\n`);
      },
    };
  }

  /** The launcher's pid while one runs, for logs and tests. */
  get launcherPid(): number | undefined {
    return this.#server?.failure === undefined ? this.#server?.child.pid : undefined;
  }

  /**
   * Ends the launcher: it sends SIGTERM to every running helper, answers
   * them as they end, and exits; SIGKILL if it takes longer than 10 s.
   */
  async close(): Promise<void> {
    this.#closed = true;
    const server = this.#server;
    if (server === undefined || server.failure !== undefined) return;
    server.child.stdin!.end();
    const timer = setTimeout(() => server.child.kill('SIGKILL'), CLOSE_GRACE_MS);
    await server.exited;
    clearTimeout(timer);
  }

  #running(): Server {
    if (this.#server !== undefined && this.#server.failure === undefined) return this.#server;
    const child = spawn(this.#helperPath, ['--launcher'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const pending = new Map<number, Pending>();
    let resolveExited: () => void = () => {};
    const server: Server = { child, pending, stderr: '', failure: undefined, exited: new Promise((r) => (resolveExited = r)) };
    const fail = (why: string): void => {
      if (server.failure === undefined) {
        const said = server.stderr.trim();
        server.failure = new Error(`the sandbox launcher ${this.#helperPath} --launcher (pid ${child.pid}) ${why}${said === '' ? '' : `; it said: ${said}`}`);
      }
      for (const run of pending.values()) run.reject(server.failure);
      pending.clear();
    };
    child.stderr!.on('data', (chunk: Buffer) => {
      server.stderr = (server.stderr + chunk.toString('utf8')).slice(-STDERR_KEPT);
    });
    // A write after the launcher died fails with EPIPE; its exit reports why.
    child.stdin!.on('error', () => {});
    child.once('error', (err) => {
      fail(`could not be started: ${err.message}`);
      resolveExited();
    });
    child.once('close', (code, signal) => {
      fail(signal !== null ? `was killed by ${signal}` : `exited with status ${code}`);
      resolveExited();
    });
    const parser = new AnswerParser((answer) => {
      const run = pending.get(answer.id);
      if (run === undefined) return fail(`answered for run ${answer.id}, which it was not running`);
      pending.delete(answer.id);
      if (pending.size === 0) holdOpen(server, false);
      if (answer.kind === 'failed') {
        run.reject(new Error(`the sandbox launcher could not start actiond-sandbox: ${answer.stderr.trim()}`));
      } else {
        run.resolve({
          exitCode: answer.kind === 'exit' ? answer.number : null,
          signal: answer.kind === 'signal' ? (SIGNAL_NAMES.get(answer.number) ?? null) : null,
          statusText: answer.status,
          stderr: answer.stderr,
        });
      }
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (err) {
        fail(`sent a malformed answer: ${(err as Error).message}`);
        child.kill('SIGKILL');
      }
    });
    this.#server = server;
    return server;
  }
}

/**
 * Whether the launcher keeps this process's event loop alive: only while it
 * owes answers. An idle launcher must not keep a server that is otherwise
 * done (or a test) from exiting.
 */
function holdOpen(server: Server, hold: boolean): void {
  const handles = [server.child, server.child.stdin, server.child.stdout, server.child.stderr] as ({ ref(): void; unref(): void } | null)[];
  for (const handle of handles) {
    if (hold) handle?.ref();
    else handle?.unref();
  }
}

/** One `done` answer of the launcher. */
interface Answer {
  readonly id: number;
  readonly kind: 'exit' | 'signal' | 'failed';
  readonly number: number;
  readonly status: string;
  readonly stderr: string;
}

const DONE = /^done (\d{1,16}) (exit|signal|failed) (\d{1,10}) (\d{1,10}) (\d{1,10})$/;

/**
 * Splits the launcher's stdout into answers:
 * `done <id> <kind> <n> <status-length> <stderr-length>\n<status><stderr>`.
 * Throws on anything else (the launcher and this class are one protocol).
 */
export class AnswerParser {
  readonly #onAnswer: (answer: Answer) => void;
  #buffer: Buffer = Buffer.alloc(0);

  constructor(onAnswer: (answer: Answer) => void) {
    this.#onAnswer = onAnswer;
  }

  push(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const newline = this.#buffer.indexOf(0x0a);
      if (newline < 0) {
        if (this.#buffer.length > 256) throw new Error('an answer line longer than 256 bytes');
        return;
      }
      const header = this.#buffer.subarray(0, newline).toString('latin1');
      const match = DONE.exec(header);
      if (match === null) throw new Error(`unexpected answer ${JSON.stringify(header.slice(0, 80))}`);
      const statusLength = Number(match[4]);
      const stderrLength = Number(match[5]);
      const end = newline + 1 + statusLength + stderrLength;
      if (this.#buffer.length < end) return;
      const status = this.#buffer.subarray(newline + 1, newline + 1 + statusLength).toString('utf8');
      const stderr = this.#buffer.subarray(newline + 1 + statusLength, end).toString('utf8');
      this.#buffer = this.#buffer.subarray(end);
      this.#onAnswer({ id: Number(match[1]), kind: match[2] as Answer['kind'], number: Number(match[3]), status, stderr });
    }
  }
}
