import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { HelperExit, LaunchedHelper, SandboxHelperLauncher } from './sandbox-helper-launcher.ts';

/**
 * Starts each helper run as a child of this process (`child_process.spawn`).
 * Simple and self-contained, but every run forks the whole server: for a
 * server with hundreds of MB resident that costs milliseconds of blocked
 * event loop per action (bench/RESULTS.md), which is why `serve` uses
 * {@link ForkServerSandboxHelperLauncher}. Tests and tools use this one.
 */
export class SpawningSandboxHelperLauncher implements SandboxHelperLauncher {
  readonly #helperPath: string;

  /** `helperPath`: the actiond-sandbox executable (`sandboxHelperPath()`). */
  constructor(helperPath: string) {
    this.#helperPath = helperPath;
  }

  launch(args: readonly string[]): LaunchedHelper {
    const child = spawn(this.#helperPath, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    const stderr = collect(child.stderr!);
    const statusText = collect(child.stdio[3] as Readable);
    const exit = new Promise<HelperExit>((resolve, reject) => {
      child.once('error', reject);
      // 'close' comes after the exit and the end of every stdio stream.
      child.once('close', (exitCode, signal) => {
        Promise.all([statusText, stderr]).then(([status, err]) => resolve({ exitCode, signal, statusText: status, stderr: err }), reject);
      });
    });
    let ended = false;
    void exit.finally(() => (ended = true)).catch(() => {});
    return {
      exit,
      terminate: () => {
        if (!ended) child.kill('SIGTERM');
      },
    };
  }
}

function collect(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    stream.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.once('error', reject);
  });
}
