import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

/** How to run one build command. */
export interface RunCommandOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Appends the command's stdout and stderr to this file instead of capturing them. */
  readonly logFile?: string;
}

/** What a finished command printed (empty when it went to a log file). */
export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Runs `command args...` to completion. Rejects with an error that names the
 * command and its exit status and quotes the end of its output (or of its
 * log file), or, when the program is not installed, names the Debian package
 * given in `missingHint`.
 */
export function runCommand(command: string, args: readonly string[], options: RunCommandOptions = {}, missingHint?: string): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    const logFd = options.logFile === undefined ? undefined : openSync(options.logFile, 'a');
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', logFd ?? 'pipe', logFd ?? 'pipe'],
    });
    if (logFd !== undefined) closeSync(logFd);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') {
        reject(new Error(`${command}: not found${missingHint === undefined ? '' : ` (${missingHint})`}`, { cause: err }));
      } else {
        reject(new Error(`${command}: ${err.message}`, { cause: err }));
      }
    });
    child.on('close', (code, signal) => {
      if (code === 0) {
        resolve({ stdout, stderr });
        return;
      }
      const output = options.logFile === undefined ? `${stdout}\n${stderr}` : readFileSync(options.logFile, 'utf8');
      const how = signal === null ? `exited with status ${code}` : `was killed by ${signal}`;
      const where = options.logFile === undefined ? '' : ` (full log: ${options.logFile})`;
      reject(new Error(`${command} ${args.join(' ')} ${how}${where}; last output:\n${tail(output, 30)}`));
    });
  });
}

/** Runs `command args...` and returns the first line of its stdout (for --version probes). */
export async function firstLineOf(command: string, args: readonly string[], missingHint?: string): Promise<string> {
  const { stdout } = await runCommand(command, args, {}, missingHint);
  return stdout.split('\n')[0]?.trim() ?? '';
}
