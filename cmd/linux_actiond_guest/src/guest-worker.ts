import { join } from 'node:path';
import { parseCommandLine } from '@actiond/cli';
import { linuxActiondCli, serve } from '@actiond/linux_actiond';
import { parseGuestBootConfig } from '@actiond/vm-host';
import { readGuestEnvironment } from './guest-environment.ts';
import { GuestControlPort, type ControlPortFile } from './guest-control-port.ts';
import { configureInterface } from './network-interface.ts';
import { virtioPortPath } from './virtio-port-path.ts';

/** What the guest worker takes from its process (main.ts passes the real ones). */
export interface GuestWorkerProcess {
  /** The environment /init set. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The kernel command line (/proc/cmdline). */
  readonly cmdline: string;
  /** One line to the VM console (serve-vm shows it and keeps it in the console log). */
  readonly log: (line: string) => void;
  /** Opens the control port device. */
  readonly openControlPort: (path: string) => Promise<ControlPortFile>;
  /** Resolves with a reason on SIGTERM (which /init forwards when asked to shut down). */
  readonly signalled: Promise<string>;
}

/**
 * The `serve` command line the guest runs: the same server as on a Linux
 * host, on the address serve-vm forwards to, with its root on the CAS disk
 * and the runtimes from the runtimes disk. Built as argv and parsed by the
 * host binary's own parser, so the guest gets every serve default (and
 * every flag added later) exactly as a host would.
 */
export function guestServeArguments(options: {
  readonly address: string;
  readonly port: number;
  readonly root: string;
  readonly runtimesDir: string | undefined;
  readonly instanceNames: readonly string[];
}): string[] {
  const argv = ['serve', `--listen=${options.address}:${options.port}`, `--root=${options.root}`];
  for (const name of options.instanceNames) argv.push(`--instance-name=${name}`);
  // /init has mounted the runtimes image already; serve takes the directory as it is.
  if (options.runtimesDir !== undefined) argv.push(`--runtime-root=${options.runtimesDir}`);
  return argv;
}

/**
 * The guest worker: reads what /init and serve-vm passed, gives the network
 * interface its address, opens the control channel, and runs `serve` until
 * serve-vm asks it to stop (or goes away) or /init forwards SIGTERM. Reports
 * `listening` on the control channel once the server accepts calls. Resolves
 * with serve's exit status; /init then unmounts the CAS disk and powers off.
 */
export async function runGuestWorker(process: GuestWorkerProcess): Promise<number> {
  const guest = readGuestEnvironment(process.env);
  const config = parseGuestBootConfig(process.cmdline);
  await configureInterface(join(guest.systemDir, 'bin', 'actiond-netif'), config.network.interface, config.network.address);
  const control = new GuestControlPort({
    file: await process.openControlPort(await virtioPortPath(config.controlPort)),
    onProtocolError: (error) => process.log(`control channel: ${error.message}`),
  });
  const address = config.network.address.split('/')[0]!;
  const argv = guestServeArguments({ address, port: guest.port, root: guest.casDir, runtimesDir: guest.runtimesDir, instanceNames: config.instanceNames });
  const parsed = parseCommandLine(linuxActiondCli, argv);
  if (parsed.kind !== 'run') throw new Error(`the guest's serve command line ${JSON.stringify(argv)} does not parse: ${parsed.kind === 'error' ? parsed.error.message : parsed.kind}`);
  const stopRequested = Promise.race([control.stopRequested, process.signalled]);
  void stopRequested.then((reason) => control.send({ type: 'stopping', reason }).catch(() => undefined));
  return serve(parsed.flags as Parameters<typeof serve>[0], {
    env: process.env,
    log: process.log,
    stopRequested,
    onListening: (port) => void control.send({ type: 'listening', port }).catch((error: Error) => process.log(`control channel: ${error.message}`)),
  });
}
