import { accessSync, constants, readFileSync } from 'node:fs';
import type { VmArch } from './hypervisor.ts';
import type { AccelFacts } from './qemu-accel.ts';

/** The host CPU as a guest architecture name, if it is one serve-vm boots. */
export function hostVmArch(nodeArch: string = process.arch): VmArch | undefined {
  if (nodeArch === 'x64') return 'x86_64';
  if (nodeArch === 'arm64') return 'aarch64';
  return undefined;
}

/** Reads the {@link AccelFacts} of this machine: a few file checks, no VM is started. */
export function probeAccelFacts(): AccelFacts {
  let kvmAccessible = false;
  if (process.platform === 'linux') {
    try {
      accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
      kvmAccessible = true;
    } catch {
      kvmAccessible = false;
    }
  }
  let hostIsVirtualMachine = false;
  if (process.platform === 'linux') {
    try {
      hostIsVirtualMachine = /^flags\s*:.*\bhypervisor\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
    } catch {
      hostIsVirtualMachine = false;
    }
  }
  return { platform: process.platform, hostArch: hostVmArch(), kvmAccessible, hostIsVirtualMachine };
}
