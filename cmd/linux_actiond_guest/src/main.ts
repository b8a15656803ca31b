/**
 * The guest worker's process entry: what /system/bin/actiond-guest (the
 * launcher in native/) runs with Node.js inside the VM. Bundled into the
 * system image by tools/src/vm/guest-system-image.ts. This is the only
 * place that touches the guest's process: argv, environment, signals, exit.
 */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { openDeviceControlPort } from './device-control-port-file.ts';
import { runGuestWorker } from './guest-worker.ts';

const log = (line: string) => void process.stderr.write(`actiond-guest: ${line}\n`);

const signalled = new Promise<string>((resolve) => {
  const onSignal = (name: NodeJS.Signals) => resolve(`${name} from init`);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
});

// grpc-js would print its own diagnostics on the console; serve reports what matters.
if (process.env['GRPC_VERBOSITY'] === undefined) grpc.setLogVerbosity(grpc.logVerbosity.NONE);

log(`starting (Node.js ${process.version}, ${Math.round(performance.now())} ms after exec)`);
runGuestWorker({
  env: process.env,
  cmdline: readFileSync('/proc/cmdline', 'utf8'),
  log,
  openControlPort: openDeviceControlPort,
  signalled,
}).then(
  // A read of the control port may still be pending on the thread pool; it would keep the process alive.
  (code) => process.exit(code),
  (error: unknown) => {
    log(`FATAL ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
