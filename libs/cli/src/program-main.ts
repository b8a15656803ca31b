import type { CliSpec, Commands } from './cli-spec.ts';
import { parseCommandLine, type RunCommand } from './command-line-parser.ts';

/** Exit status for a command line that did not parse (like getopt-based tools). */
export const EXIT_USAGE = 2;
/** Exit status when the command could not start or stopped on an error. */
export const EXIT_FAILURE = 1;

/** Where {@link runProgram} writes; the process's stdout and stderr in the binaries. */
export interface ProgramOutput {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/**
 * The common body of actiond's binaries: parses `argv`, prints help or the
 * version (exit 0) or the parse error with its hint (EXIT_USAGE), else runs
 * the command and returns its exit status.
 *
 * `pnpm serve -- --root=/x` hands the script `serve -- --root=/x`: pnpm
 * passes its own `--` separator through, so a `--` right after the command
 * is dropped, and the pnpm form and the plain binary form mean the same.
 */
export async function runProgram<C extends Commands>(
  spec: CliSpec<C>,
  argv: readonly string[],
  run: (command: RunCommand<C>) => Promise<number>,
  output: ProgramOutput,
): Promise<number> {
  const args = argv[1] === '--' ? [argv[0]!, ...argv.slice(2)] : argv;
  const parsed = parseCommandLine(spec, args);
  switch (parsed.kind) {
    case 'help':
    case 'version':
      output.stdout.write(parsed.text);
      return 0;
    case 'error':
      output.stderr.write(`${parsed.error.message}\n${parsed.hint}\n`);
      return EXIT_USAGE;
    case 'run':
      return run(parsed);
  }
}

/**
 * Sets the process's exit status from `program`, or, when it throws, writes
 * `<name>: <reason>` as one line and exits with EXIT_FAILURE.
 */
export function exitWith(name: string, program: Promise<number>): void {
  program.then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = EXIT_FAILURE;
    },
  );
}
