/**
 * `linux-actiond`: the process entry point. Parses the command line, runs the
 * command, and turns failures into a one-line reason and a non-zero exit.
 * This is the only place that reads argv, the environment or exits.
 */
import * as grpc from '@grpc/grpc-js';
import { defineCli, exitWith, runProgram } from '@actiond/cli';
import { linuxActiondCli } from './command-line.ts';
import { tuneGarbageCollection } from './heap-tuning.ts';
import { serve } from './serve.ts';
import { serveVm } from './serve-vm.ts';
import { serveVmCommand } from './serve-vm-flags.ts';

/** linux-actiond's commands: serve, and serve-vm (kept out of linuxActiondCli, which the VM guest parses serve with). */
const cli = defineCli({ ...linuxActiondCli, commands: { ...linuxActiondCli.commands, 'serve-vm': serveVmCommand } });

// grpc-js prints its own diagnostics to stderr (a failed bind, for one), which
// would break the one-line-reason promise; serve reports what matters itself.
// GRPC_VERBOSITY=DEBUG|INFO|ERROR brings them back for debugging.
if (process.env['GRPC_VERBOSITY'] === undefined) grpc.setLogVerbosity(grpc.logVerbosity.NONE);
tuneGarbageCollection();

exitWith(
  'linux-actiond',
  runProgram(
    cli,
    process.argv.slice(2),
    (parsed) =>
      parsed.command === 'serve-vm'
        ? serveVm(parsed.flags, { log: (line) => process.stderr.write(`${line}\n`), progress: process.stderr })
        : serve(parsed.flags, { env: process.env, log: (line) => process.stderr.write(`${line}\n`) }),
    process,
  ),
);
