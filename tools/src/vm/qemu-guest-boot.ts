import { spawn } from 'node:child_process';
import { vmArch } from './vm-arch.ts';

/** One virtio-blk disk given to the guest. */
export interface QemuDisk {
  /** Raw image file. */
  readonly path: string;
  readonly readOnly?: boolean;
  /** virtio-blk serial, which init can look the disk up by (actiond.cas=serial:ID). At most 20 bytes. */
  readonly serial?: string;
  /** virtio transport: PCI (default; what Virtualization.framework uses) or MMIO (arm64 virt only). */
  readonly transport?: 'pci' | 'mmio';
}

/** A virtio-serial port (the guest sees /dev/vportNpM, named in /sys/class/virtio-ports/NAME/name). */
export interface QemuSerialPort {
  /** The port name the guest reads, e.g. "actiond.0". */
  readonly name: string;
  /** Host end: a unix socket QEMU listens on; without it the port is connected to nothing. */
  readonly socketPath?: string;
}

/** A QEMU boot of kernel + initramfs under TCG with the console on the emulated UART. */
export interface QemuBootOptions {
  readonly arch: string;
  readonly kernel: string;
  readonly initrd: string;
  /** Kernel parameters after the console=, panic= and quiet ones this module adds. */
  readonly append: string;
  /** Attached in order: on PCI the first is /dev/vda, the next /dev/vdb, and so on. */
  readonly disks: readonly QemuDisk[];
  /** virtio-serial ports on one virtio-serial-pci controller. */
  readonly serialPorts?: readonly QemuSerialPort[];
  readonly memoryMiB?: number;
  readonly cpus?: number;
  /** The VM is killed after this long. */
  readonly timeoutMs: number;
}

/** A console line and when it arrived, in ms since QEMU was started. */
export interface ConsoleLine {
  readonly atMs: number;
  readonly text: string;
}

/** How a boot ended. */
export interface QemuBootResult {
  readonly lines: readonly ConsoleLine[];
  /** QEMU's exit status (0 after a guest power-off with -no-reboot), null if killed. */
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly elapsedMs: number;
  /** QEMU's own stderr (device or option errors). */
  readonly stderr: string;
}

/**
 * The qemu-system command line for a boot: TCG with multi-threading (KVM on
 * our hosts is nested and slower than TCG), no default devices, the console
 * UART on stdio, and -no-reboot so a guest power-off, reboot or panic ends
 * QEMU.
 */
export function qemuCommand(options: QemuBootOptions): { command: string; args: string[] } {
  const arch = vmArch(options.arch);
  const machine = arch.name === 'x86_64' ? ['-machine', 'pc', '-cpu', 'max'] : ['-machine', 'virt', '-cpu', 'cortex-a57'];
  const args = [
    ...machine,
    '-accel', 'tcg,thread=multi',
    '-smp', String(options.cpus ?? 2),
    '-m', `${options.memoryMiB ?? 512}M`,
    '-nodefaults', '-display', 'none', '-serial', 'stdio', '-no-reboot',
    '-kernel', options.kernel,
    '-initrd', options.initrd,
    // panic=-1: a kernel panic reboots at once, which -no-reboot turns into QEMU exiting.
    '-append', `console=${arch.console} panic=-1 quiet ${options.append}`.trim(),
  ];
  options.disks.forEach((disk, i) => {
    if (disk.path.includes(',')) throw new Error(`disk image path '${disk.path}' contains a comma, which QEMU's -drive syntax cannot take`);
    if (disk.transport === 'mmio' && arch.name !== 'aarch64') throw new Error(`disk ${disk.path}: virtio-mmio disks need the aarch64 virt machine`);
    if (disk.serial !== undefined && !/^[A-Za-z0-9._-]{1,20}$/.test(disk.serial)) throw new Error(`disk serial '${disk.serial}' must be 1-20 of [A-Za-z0-9._-]`);
    args.push('-drive', `if=none,id=disk${i},file=${disk.path},format=raw${disk.readOnly === true ? ',readonly=on' : ''}`);
    const device = disk.transport === 'mmio' ? 'virtio-blk-device' : 'virtio-blk-pci';
    args.push('-device', `${device},drive=disk${i}${disk.serial === undefined ? '' : `,serial=${disk.serial}`}`);
  });
  const ports = options.serialPorts ?? [];
  if (ports.length > 0) args.push('-device', 'virtio-serial-pci,id=vser');
  ports.forEach((port, i) => {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(port.name)) throw new Error(`virtio-serial port name '${port.name}' must be 1-64 of [A-Za-z0-9._-]`);
    if (port.socketPath?.includes(',') === true) throw new Error(`socket path '${port.socketPath}' contains a comma, which QEMU's -chardev syntax cannot take`);
    args.push('-chardev', port.socketPath === undefined ? `null,id=port${i}` : `socket,id=port${i},path=${port.socketPath},server=on,wait=off`);
    args.push('-device', `virtserialport,bus=vser.0,chardev=port${i},name=${port.name}`);
  });
  return { command: arch.qemu, args };
}

/** Boots a guest and collects its console until QEMU exits or the timeout kills it. */
export function bootQemuGuest(options: QemuBootOptions): Promise<QemuBootResult> {
  const { command, args } = qemuCommand(options);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: ConsoleLine[] = [];
    let partial = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const atMs = Math.round(performance.now() - started);
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const part of parts) lines.push({ atMs, text: part.replace(/\r$/, '') });
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const pkg = command === 'qemu-system-x86_64' ? 'qemu-system-x86' : 'qemu-system-arm';
      reject(err.code === 'ENOENT' ? new Error(`${command}: not found (install Debian package ${pkg})`) : err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (partial !== '') lines.push({ atMs: Math.round(performance.now() - started), text: partial.replace(/\r$/, '') });
      resolve({ lines, exitCode: code, timedOut, elapsedMs: Math.round(performance.now() - started), stderr });
    });
  });
}
