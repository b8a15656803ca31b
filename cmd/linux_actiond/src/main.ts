/**
 * `linux-actiond`: the process entry point. Parses the command line, runs the
 * command, and turns failures into a one-line reason and a non-zero exit.
 * This is the only place that reads argv, the environment or exits.
 */
import * as grpc from '@grpc/grpc-js';
import { defineCli, parseCommandLine } from '@actiond/cli';
import { linuxActiondCli } from './command-line.ts';
import { tuneGarbageCollection } from './heap-tuning.ts';
import { serve } from './serve.ts';
import { serveVm } from './serve-vm.ts';
import { serveVmCommand } from './serve-vm-flags.ts';

/** Exit status for a command line that did not parse (like getopt-based tools). */
const EXIT_USAGE = 2;
/** Exit status when the server could not start or stopped on an error. */
const EXIT_FAILURE = 1;

/**
 * `pnpm serve -- --root=/x` hands the script `serve -- --root=/x`: pnpm passes
 * its own `--` separator through. Drop a `--` right after the command so the
 * documented pnpm form and the plain binary form mean the same.
 */
function withoutPnpmSeparator(argv: readonly string[]): readonly string[] {
  return argv[1] === '--' ? [argv[0]!, ...argv.slice(2)] : argv;
}

/** linux-actiond's commands: serve, and serve-vm (kept out of linuxActiondCli, which the VM guest parses serve with). */
const cli = defineCli({ ...linuxActiondCli, commands: { ...linuxActiondCli.commands, 'serve-vm': serveVmCommand } });

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandLine(cli, withoutPnpmSeparator(argv));
  switch (parsed.kind) {
    case 'help':
    case 'version':
      process.stdout.write(parsed.text);
      return 0;
    case 'error':
      process.stderr.write(`${parsed.error.message}\n${parsed.hint}\n`);
      return EXIT_USAGE;
    case 'run':
      if (parsed.command === 'serve-vm') return serveVm(parsed.flags, { log: (line) => process.stderr.write(`${line}\n`), progress: process.stderr });
      return serve(parsed.flags, { env: process.env, log: (line) => process.stderr.write(`${line}\n`) });
  }
}

// grpc-js prints its own diagnostics to stderr (a failed bind, for one), which
// would break the one-line-reason promise; serve reports what matters itself.
// GRPC_VERBOSITY=DEBUG|INFO|ERROR brings them back for debugging.
if (process.env['GRPC_VERBOSITY'] === undefined) grpc.setLogVerbosity(grpc.logVerbosity.NONE);
tuneGarbageCollection();

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`linux-actiond: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT_FAILURE;
  },
);
