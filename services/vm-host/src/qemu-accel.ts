import type { VmArch } from './hypervisor.ts';

/** QEMU accelerators serve-vm uses. */
export type QemuAccel = 'kvm' | 'tcg' | 'hvf';

/** What `--accel` accepts: an accelerator, or `auto` to let {@link chooseQemuAccel} pick. */
export type QemuAccelRequest = QemuAccel | 'auto';

/** The facts about the host the choice depends on (probeAccelFacts() reads them). */
export interface AccelFacts {
  /** process.platform. */
  readonly platform: NodeJS.Platform;
  /** The host CPU as a guest architecture; undefined for others. */
  readonly hostArch: VmArch | undefined;
  /** /dev/kvm exists and this process may open it read-write. */
  readonly kvmAccessible: boolean;
  /**
   * The host is itself a virtual machine (the x86 `hypervisor` CPU flag). KVM
   * then runs nested, which on many clouds is slower than TCG (measured on
   * our CI machines: guests "barely move").
   */
  readonly hostIsVirtualMachine: boolean;
}

/** The accelerator to use, and why, for the log line. */
export interface AccelChoice {
  readonly accel: QemuAccel;
  readonly why: string;
}

/**
 * Picks the QEMU accelerator for a guest of `guestArch`. Hardware
 * acceleration needs the guest to be the host's own architecture. `auto`
 * takes HVF on macOS, KVM on Linux when /dev/kvm is usable and the host is
 * not itself a VM (nested KVM is often slower than TCG; `--accel=kvm` forces
 * it), and TCG otherwise. An explicit request that cannot work throws a
 * one-line reason naming what is missing.
 */
export function chooseQemuAccel(request: QemuAccelRequest, guestArch: VmArch, facts: AccelFacts): AccelChoice {
  const native = facts.hostArch === guestArch;
  switch (request) {
    case 'tcg':
      return { accel: 'tcg', why: 'requested with --accel=tcg' };
    case 'kvm':
      if (facts.platform !== 'linux') throw new Error(`--accel=kvm needs a Linux host, this is ${facts.platform}`);
      if (!native) throw new Error(`--accel=kvm cannot run a ${guestArch} guest on a ${facts.hostArch ?? 'different'} host; use --accel=tcg`);
      if (!facts.kvmAccessible) throw new Error('--accel=kvm: /dev/kvm is missing or not readable and writable by this user');
      return { accel: 'kvm', why: 'requested with --accel=kvm' };
    case 'hvf':
      if (facts.platform !== 'darwin') throw new Error(`--accel=hvf needs macOS, this is ${facts.platform}`);
      if (!native) throw new Error(`--accel=hvf cannot run a ${guestArch} guest on a ${facts.hostArch ?? 'different'} Mac; use --accel=tcg`);
      return { accel: 'hvf', why: 'requested with --accel=hvf' };
    case 'auto':
      if (!native) return { accel: 'tcg', why: `the guest is ${guestArch} and the host ${facts.hostArch ?? 'another architecture'}` };
      if (facts.platform === 'darwin') return { accel: 'hvf', why: 'macOS Hypervisor.framework' };
      if (facts.platform !== 'linux') return { accel: 'tcg', why: `no hardware accelerator known on ${facts.platform}` };
      if (!facts.kvmAccessible) return { accel: 'tcg', why: '/dev/kvm is missing or not accessible' };
      if (facts.hostIsVirtualMachine) return { accel: 'tcg', why: 'the host is itself a VM, where nested KVM is often slower than TCG (--accel=kvm forces it)' };
      return { accel: 'kvm', why: '/dev/kvm is usable' };
  }
}
