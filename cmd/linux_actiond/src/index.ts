/**
 * @actiond/linux_actiond as a library: what the other binaries (the VM
 * guest worker, darwin-actiond) reuse from the Linux host binary. main.ts
 * stays the process entry.
 */
export { serve, type ServeEnvironment } from './serve.ts';
export { linuxActiondCli, serveFlags } from './command-line.ts';
export { ACTIOND_VERSION } from './version.ts';
