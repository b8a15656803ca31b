import type { VmArch, VmConfig } from './hypervisor.ts';
import type { QemuAccel } from './qemu-accel.ts';

/** The virtio-serial port name of the control channel, as the guest sees it. */
export const CONTROL_PORT_NAME = 'actiond.control';

/** What differs between the two QEMU system emulators. */
interface QemuArch {
  readonly program: string;
  readonly console: string;
  readonly machine: readonly string[];
  /** -cpu for TCG; hardware accelerators use `host`. */
  readonly tcgCpu: string;
}

const ARCHES: Record<VmArch, QemuArch> = {
  x86_64: { program: 'qemu-system-x86_64', console: 'ttyS0', machine: ['-machine', 'pc'], tcgCpu: 'max' },
  aarch64: { program: 'qemu-system-aarch64', console: 'ttyAMA0', machine: ['-machine', 'virt'], tcgCpu: 'cortex-a57' },
};

/** The QEMU system emulator that boots `arch`. */
export function qemuProgram(arch: VmArch): string {
  return ARCHES[arch].program;
}

/** What to install when {@link qemuProgram} is missing, for the one-line error. */
export function qemuInstallHint(arch: VmArch, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return 'install it with Homebrew: brew install qemu';
  return `install the Debian package ${arch === 'x86_64' ? 'qemu-system-x86' : 'qemu-system-arm'} (apt-get install ${arch === 'x86_64' ? 'qemu-system-x86' : 'qemu-system-arm'})`;
}

/** The host side of one boot that the config does not fix: where things land on the host. */
export interface QemuHostSide {
  readonly accel: QemuAccel;
  /** Host port on 127.0.0.1 for each guest port of config.network.guestPorts. */
  readonly hostPorts: ReadonlyMap<number, number>;
  /** The unix socket QEMU listens on for the control channel. */
  readonly controlSocket: string;
  /** The file QEMU appends the console to. */
  readonly consoleLog: string;
}

/** QEMU's option syntax ends a value at a comma; a literal comma is written twice. */
function optionValue(text: string): string {
  return text.replaceAll(',', ',,');
}

/**
 * The qemu-system command line for one boot of the actiond guest:
 *
 * - the accelerator (TCG multi-threaded: one host thread per vCPU);
 * - no default devices, no display, `-no-reboot` (a guest power-off, reboot
 *   or kernel panic ends QEMU, which is how the host sees the VM end) and the
 *   console UART on stdout;
 * - one virtio-blk disk per config disk, found by its serial;
 * - user-mode networking with `restrict=on`: the guest can reach neither the
 *   host nor the outside, and only the forwarded guest ports are reachable,
 *   from 127.0.0.1 only;
 * - a virtio-serial port for the control channel on a unix socket;
 * - virtio-rng, so the guest's RNG is seeded at once (Node.js waits for
 *   getrandom() at startup; measured: about a second on TCG without it).
 */
export function qemuCommand(config: VmConfig, host: QemuHostSide): { command: string; args: string[] } {
  const arch = ARCHES[config.arch];
  const accel = host.accel === 'tcg' ? 'tcg,thread=multi' : host.accel;
  const cpu = host.accel === 'tcg' ? arch.tcgCpu : 'host';
  const [guestIp, prefix] = config.network.guestAddress.split('/');
  if (guestIp === undefined || prefix === undefined || !/^(\d{1,3}\.){3}\d{1,3}$/.test(guestIp)) {
    throw new Error(`guest address '${config.network.guestAddress}' is not A.B.C.D/N`);
  }
  const subnet = `${guestIp.split('.').slice(0, 3).join('.')}.0/${prefix}`;
  const forwards = config.network.guestPorts.map((guestPort) => {
    const hostPort = host.hostPorts.get(guestPort);
    if (hostPort === undefined) throw new Error(`no host port for guest port ${guestPort}`);
    return `,hostfwd=tcp:127.0.0.1:${hostPort}-${guestIp}:${guestPort}`;
  });
  const args = [
    ...arch.machine,
    '-cpu', cpu,
    '-accel', accel,
    '-smp', String(config.cpus),
    '-m', `${config.memoryMiB}M`,
    '-nodefaults', '-display', 'none', '-no-reboot',
    // The console goes straight to the log file: it keeps being written (and the guest never
    // blocks on its UART) whatever happens to serve-vm.
    '-chardev', `file,id=console,path=${optionValue(host.consoleLog)},append=on`,
    '-serial', 'chardev:console',
    '-kernel', config.kernel,
    '-initrd', config.initramfs,
    // panic=-1: a kernel panic reboots at once, which -no-reboot turns into QEMU exiting.
    '-append', [`console=${arch.console}`, 'panic=-1', 'quiet', ...config.kernelArgs].join(' '),
  ];
  config.disks.forEach((disk, i) => {
    if (!/^[A-Za-z0-9._-]{1,20}$/.test(disk.serial)) throw new Error(`disk serial '${disk.serial}' must be 1-20 of [A-Za-z0-9._-]`);
    const access = disk.readOnly ? ',readonly=on' : ',discard=unmap';
    args.push('-drive', `if=none,id=disk${i},file=${optionValue(disk.path)},format=raw${access}`);
    args.push('-device', `virtio-blk-pci,drive=disk${i},serial=${disk.serial}`);
  });
  args.push('-netdev', `user,id=net0,restrict=on,ipv6=off,net=${subnet}${forwards.join('')}`);
  args.push('-device', 'virtio-net-pci,netdev=net0');
  args.push('-device', 'virtio-serial-pci,id=vser0');
  args.push('-chardev', `socket,id=control,path=${optionValue(host.controlSocket)},server=on,wait=off`);
  args.push('-device', `virtserialport,bus=vser0.0,chardev=control,name=${CONTROL_PORT_NAME}`);
  args.push('-device', 'virtio-rng-pci');
  return { command: arch.program, args };
}
