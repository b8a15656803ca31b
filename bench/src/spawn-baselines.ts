import { execFile, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SPAWN_LOOP_SOURCE = join(dirname(fileURLToPath(import.meta.url)), 'spawn-loop.c');

/**
 * Compiles spawn-loop.c (the tiny C driver that fork+execs a program N
 * times and prints each run's µs) into `directory` with the system's `cc`;
 * resolves to the binary's path. Rejects with the compiler's words when
 * there is no compiler or the build fails.
 */
export async function compileSpawnLoop(directory: string): Promise<string> {
  const binary = join(directory, 'spawn-loop');
  try {
    await run('cc', ['-O2', '-o', binary, SPAWN_LOOP_SOURCE]);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`cannot compile ${SPAWN_LOOP_SOURCE} with cc: ${stderr || (err as Error).message}`, { cause: err });
  }
  return binary;
}

/** Runs `argv` `runs` times from the C driver; resolves to each run's wall time in ms. */
export async function runSpawnLoop(binary: string, runs: number, argv: readonly string[], timeoutMs = 120_000): Promise<number[]> {
  let stdout: string;
  try {
    ({ stdout } = await run(binary, [String(runs), ...argv], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }));
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`spawn-loop ${argv[0]} failed: ${stderr || (err as Error).message}`, { cause: err });
  }
  const times = stdout.split('\n').filter((line) => line !== '').map((line) => Number(line) / 1000);
  if (times.length !== runs || times.some((t) => !Number.isFinite(t))) {
    throw new Error(`spawn-loop printed ${times.length} times for ${runs} runs: ${JSON.stringify(stdout.slice(0, 200))}`);
  }
  return times;
}

/**
 * One `child_process.spawn` of `argv` from this Node, stdio ignored, timed
 * from the call to the child's exit event; resolves to ms. Rejects if the
 * program cannot start or exits non-zero.
 */
export function nodeSpawnOnce(argv: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const elapsed = performance.now() - started;
      if (code === 0) resolve(elapsed);
      else reject(new Error(`${argv[0]} ended with ${signal ?? `exit status ${code}`}`));
    });
  });
}
