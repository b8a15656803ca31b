/**
 * `darwin-actiond`: the process entry point. Parses the command line, runs
 * serve-vm (QEMU today: HVF on macOS, KVM or TCG on Linux, where it works
 * too; Virtualization.framework is a later backend behind the same
 * Hypervisor interface), and turns failures into a one-line reason and a
 * non-zero exit. This is the only place that reads argv or exits.
 */
import * as grpc from '@grpc/grpc-js';
import { exitWith, runProgram } from '@actiond/cli';
import { serveVm } from '@actiond/linux_actiond';
import { darwinActiondCli } from './command-line.ts';

// grpc-js's own diagnostics would break the one-line-reason promise; GRPC_VERBOSITY brings them back.
if (process.env['GRPC_VERBOSITY'] === undefined) grpc.setLogVerbosity(grpc.logVerbosity.NONE);

exitWith(
  'darwin-actiond',
  runProgram(
    darwinActiondCli,
    process.argv.slice(2),
    (parsed) => serveVm(parsed.flags, { log: (line) => process.stderr.write(`${line}\n`), progress: process.stderr }),
    process,
  ),
);
