/**
 * @actiond/linux_actiond as a library: what the other binaries reuse from the
 * Linux host binary: the VM guest worker runs serve, darwin-actiond runs
 * serve-vm. main.ts stays the process entry.
 */
export { serve, type ServeEnvironment } from './serve.ts';
export { linuxActiondCli, serveFlags } from './command-line.ts';
export { ACTIOND_VERSION } from './version.ts';
export { serveVm, type ServeVmEnvironment } from './serve-vm.ts';
export { serveVmCommand, serveVmFlags } from './serve-vm-flags.ts';
export { RepositoryVmBootFiles, type VmBootFiles, type VmBootFileSource } from './vm-boot-files.ts';
