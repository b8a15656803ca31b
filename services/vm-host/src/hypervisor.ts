import type { Duplex } from 'node:stream';
import type { ConsoleLog } from './console-log.ts';
import type { ControlChannel } from './host-control-channel.ts';

/** The guest CPU architectures serve-vm boots. */
export type VmArch = 'x86_64' | 'aarch64';

/** One virtio-blk disk attached to the guest. */
export interface VmDisk {
  /** Raw image file on the host. */
  readonly path: string;
  readonly readOnly: boolean;
  /** The virtio-blk serial /init finds the disk by (`actiond.cas=serial:ID`); 1-20 of [A-Za-z0-9._-]. */
  readonly serial: string;
}

/** Everything a backend needs to boot the actiond guest once. */
export interface VmConfig {
  readonly arch: VmArch;
  /** Uncompressed kernel image (bzImage on x86_64, Image on arm64). */
  readonly kernel: string;
  readonly initramfs: string;
  /** Kernel parameters after the console ones the backend adds (the `actiond.*` boot protocol). */
  readonly kernelArgs: readonly string[];
  readonly disks: readonly VmDisk[];
  readonly memoryMiB: number;
  readonly cpus: number;
  /**
   * The guest's network: its interface gets `guestAddress` (A.B.C.D/N) and
   * the host can open connections to `guestPorts` on it, nothing else. The
   * guest can reach neither the host nor the outside.
   */
  readonly network: { readonly guestAddress: string; readonly guestPorts: readonly number[] };
  /** Where the backend keeps its sockets and files for this VM (short path: unix sockets are limited to 107 bytes). */
  readonly runDirectory: string;
  /** The console (kernel, /init and guest worker output) is appended here. */
  readonly consoleLogPath: string;
}

/** How a VM ended. */
export interface VmExit {
  /** The hypervisor process's exit status, or null when it was killed by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** One line for the operator: why it ended, as far as the host can tell. */
  readonly reason: string;
}

/**
 * A booted VM. The handle owns the hypervisor process (or framework object):
 * `exited` settles exactly once, whatever ended it.
 */
export interface RunningVm {
  /** For log lines: "QEMU pid 1234 (tcg, 2 vCPUs, 2048 MiB)". */
  readonly description: string;
  /** Resolves when the VM has ended; never rejects. */
  readonly exited: Promise<VmExit>;
  /** The VM's console, also written to `consoleLogPath`. */
  readonly console: ConsoleLog;
  /** The control channel to the guest worker (see control-message.ts). */
  readonly control: ControlChannel;
  /**
   * Opens a byte stream to `guestPort` on the guest (one of
   * `config.network.guestPorts`); the stream errors when nothing listens
   * there yet. Used as http2's createConnection.
   */
  connectGuest(guestPort: number): Duplex;
  /**
   * Stops the VM: asks the guest over the control channel to shut down
   * cleanly (the worker stops, /init unmounts the CAS disk and powers off),
   * waits up to `graceMs` for that, then kills the VM. Resolves with its exit.
   */
  stop(graceMs: number): Promise<VmExit>;
  /** Ends the VM at once (SIGKILL to QEMU). The CAS disk's journal covers what was in flight. */
  kill(): void;
}

/**
 * A way to run the actiond guest: QEMU today (KVM, TCG or HVF), Apple's
 * Virtualization.framework later. start() resolves once the VM is running
 * (not once the guest is ready: that is the supervisor's business) and
 * rejects with a one-line reason when it cannot start at all (hypervisor
 * missing, disk locked by another VM, bad configuration).
 */
export interface Hypervisor {
  /** For log lines: "QEMU 7.2.22 (tcg)". */
  readonly name: string;
  start(config: VmConfig): Promise<RunningVm>;
}
