import { availableParallelism } from 'node:os';
import { command, hostPortSchema, optionalFlag, pathSchema, positiveIntegerSchema, repeatedFlag, valueFlag, withValueName } from '@actiond/cli';
import { z } from 'zod';

/** vCPUs by default: the host's, up to 8 (beyond that TCG gains little and memory per vCPU gets thin). */
const DEFAULT_CPUS = Math.min(availableParallelism(), 8);

/**
 * Flags of `serve-vm` (linux-actiond and darwin-actiond); every one is
 * documented in services/vm-host/README.md's flag table, keep the two in step.
 */
export const serveVmFlags = {
  listen: valueFlag(hostPortSchema(), {
    description: 'Address of the gRPC server (REAPI and ByteStream), proxied into the VM. Keep it on loopback: whoever reaches it can run code in the VM.',
    default: '127.0.0.1:8980',
  }),
  root: valueFlag(pathSchema(), {
    description: 'Directory for the VM: the CAS image (unless --cas-image), the console log, the control socket.',
    default: '/tmp/actiond-vm',
  }),
  casImage: optionalFlag(pathSchema(), {
    description: 'The ext4 disk image holding the CAS and ActionCache (default: <root>/cas.ext4). Created sparse and formatted when missing; an existing image is used as is and never reformatted.',
  }),
  casImageSizeMib: valueFlag(positiveIntegerSchema(), {
    description: 'Size of a newly created CAS image in MiB (sparse: it takes host space only as the CAS fills). Ignored for an existing image.',
    default: '16384',
  }),
  kernel: optionalFlag(pathSchema(), { description: 'The guest kernel image (default: built from vm/ on first use, cached).' }),
  initramfs: optionalFlag(pathSchema(), { description: 'The guest initramfs (default: built from vm/init, cached).' }),
  systemImage: optionalFlag(pathSchema(), {
    description: 'The guest system SquashFS: Node.js and the guest worker (default: built from the checkout, cached).',
  }),
  runtimeImage: optionalFlag(pathSchema(), {
    description: 'The runtime SquashFS the actions run in (default: build/runtimes/runtimes-<arch>.squashfs, built if missing).',
  }),
  memoryMib: valueFlag(positiveIntegerSchema(), { description: 'Guest memory in MiB.', default: '2048' }),
  cpus: valueFlag(positiveIntegerSchema(), { description: 'Guest vCPUs.', default: String(DEFAULT_CPUS) }),
  accel: valueFlag(withValueName(z.enum(['auto', 'kvm', 'tcg', 'hvf']), 'auto|kvm|tcg|hvf'), {
    description: 'QEMU accelerator. auto: HVF on macOS; KVM on Linux when /dev/kvm is usable and the host is not itself a VM; else TCG.',
    default: 'auto',
  }),
  instanceName: repeatedFlag(z.string(), {
    description: 'An instance name the worker answers for (repeatable). Without it only the empty name is served.',
    valueName: 'NAME',
  }),
};

/**
 * The `serve-vm` command, for the command lines of linux-actiond (main.ts)
 * and darwin-actiond. It is not part of linuxActiondCli, which the VM guest
 * parses its own `serve` with: the guest never runs serve-vm.
 */
export const serveVmCommand = command({
  description: 'Run the worker inside a Linux VM (QEMU) and proxy REAPI on --listen into it; the CAS and ActionCache live on an ext4 disk image.',
  flags: serveVmFlags,
});
