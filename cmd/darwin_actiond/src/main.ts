/**
 * `darwin-actiond`: the process entry point. Parses the command line, runs
 * serve-vm (QEMU today: HVF on macOS, KVM or TCG on Linux, where it works
 * too; Virtualization.framework is a later backend behind the same
 * Hypervisor interface), and turns failures into a one-line reason and a
 * non-zero exit. This is the only place that reads argv or exits.
 */
import * as grpc from '@grpc/grpc-js';
import { parseCommandLine } from '@actiond/cli';
import { serveVm } from '@actiond/linux_actiond';
import { darwinActiondCli } from './command-line.ts';

/** Exit status for a command line that did not parse. */
const EXIT_USAGE = 2;
/** Exit status when serve-vm could not start or stopped on an error. */
const EXIT_FAILURE = 1;

async function main(argv: readonly string[]): Promise<number> {
  // `pnpm ... -- --root=/x` passes its own `--` through; drop it after the command.
  const args = argv[1] === '--' ? [argv[0]!, ...argv.slice(2)] : argv;
  const parsed = parseCommandLine(darwinActiondCli, args);
  switch (parsed.kind) {
    case 'help':
    case 'version':
      process.stdout.write(parsed.text);
      return 0;
    case 'error':
      process.stderr.write(`${parsed.error.message}\n${parsed.hint}\n`);
      return EXIT_USAGE;
    case 'run':
      return serveVm(parsed.flags, { log: (line) => process.stderr.write(`${line}\n`), progress: process.stderr });
  }
}

// grpc-js's own diagnostics would break the one-line-reason promise; GRPC_VERBOSITY brings them back.
if (process.env['GRPC_VERBOSITY'] === undefined) grpc.setLogVerbosity(grpc.logVerbosity.NONE);

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`darwin-actiond: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT_FAILURE;
  },
);
