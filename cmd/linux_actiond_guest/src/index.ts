/**
 * @actiond/linux_actiond_guest: the actiond worker as it runs inside the VM
 * (main.ts is the process entry). Exported for tests and for the system
 * image build, which bundles main.ts.
 */
export { runGuestWorker, guestServeArguments, type GuestWorkerProcess } from './guest-worker.ts';
export { readGuestEnvironment, DEFAULT_GUEST_PORT, type GuestEnvironment } from './guest-environment.ts';
export { GuestControlPort, type ControlPortFile, type GuestControlPortOptions } from './guest-control-port.ts';
export { virtioPortPath } from './virtio-port-path.ts';
export { configureInterface } from './network-interface.ts';
