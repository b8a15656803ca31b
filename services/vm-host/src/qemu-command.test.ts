import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VmConfig } from './hypervisor.ts';
import { qemuCommand, qemuInstallHint } from './qemu-command.ts';

const config: VmConfig = {
  arch: 'x86_64',
  kernel: '/k/bzImage',
  initramfs: '/k/initramfs.cpio.zst',
  kernelArgs: ['actiond.cas=serial:actiond-cas', 'actiond.system=serial:actiond-system'],
  disks: [
    { path: '/root/cas,1.ext4', readOnly: false, serial: 'actiond-cas' },
    { path: '/images/system.squashfs', readOnly: true, serial: 'actiond-system' },
  ],
  memoryMiB: 2048,
  cpus: 2,
  network: { guestAddress: '10.0.2.15/24', guestPorts: [8980] },
  runDirectory: '/root/vm',
  consoleLogPath: '/root/console.log',
};
const host = { accel: 'tcg' as const, hostPorts: new Map([[8980, 40001]]), controlSocket: '/root/vm/control.sock', consoleLog: '/root/console.log' };

/** The value following `option` each time it appears. */
function values(args: readonly string[], option: string): string[] {
  return args.flatMap((a, i) => (a === option ? [args[i + 1]!] : []));
}

describe('qemuCommand', () => {
  test('runs TCG multi-threaded with the emulated CPU, no default devices, and -no-reboot', () => {
    const { command, args } = qemuCommand(config, host);
    assert.equal(command, 'qemu-system-x86_64');
    assert.deepEqual(values(args, '-accel'), ['tcg,thread=multi']);
    assert.deepEqual(values(args, '-cpu'), ['max']);
    assert.deepEqual(values(args, '-smp'), ['2']);
    assert.deepEqual(values(args, '-m'), ['2048M']);
    for (const flag of ['-nodefaults', '-no-reboot']) assert.ok(args.includes(flag), flag);
    assert.deepEqual(values(args, '-display'), ['none']);
  });

  test('a hardware accelerator gets the host CPU', () => {
    const { args } = qemuCommand(config, { ...host, accel: 'kvm' });
    assert.deepEqual(values(args, '-accel'), ['kvm']);
    assert.deepEqual(values(args, '-cpu'), ['host']);
  });

  test('appends the boot protocol after the console parameters', () => {
    const { args } = qemuCommand(config, host);
    assert.deepEqual(values(args, '-append'), ['console=ttyS0 panic=-1 quiet actiond.cas=serial:actiond-cas actiond.system=serial:actiond-system']);
    assert.equal(values(qemuCommand({ ...config, arch: 'aarch64' }, host).args, '-append')[0]?.split(' ')[0], 'console=ttyAMA0');
  });

  test('attaches each disk as virtio-blk with its serial, read-only ones read-only, and doubles commas in paths', () => {
    const { args } = qemuCommand(config, host);
    assert.deepEqual(values(args, '-drive'), [
      'if=none,id=disk0,file=/root/cas,,1.ext4,format=raw,discard=unmap',
      'if=none,id=disk1,file=/images/system.squashfs,format=raw,readonly=on',
    ]);
    assert.ok(values(args, '-device').includes('virtio-blk-pci,drive=disk0,serial=actiond-cas'));
    assert.ok(values(args, '-device').includes('virtio-blk-pci,drive=disk1,serial=actiond-system'));
  });

  test('the network is user-mode with restrict=on and only the guest port forwarded, from loopback', () => {
    const { args } = qemuCommand(config, host);
    assert.deepEqual(values(args, '-netdev'), ['user,id=net0,restrict=on,ipv6=off,net=10.0.2.0/24,hostfwd=tcp:127.0.0.1:40001-10.0.2.15:8980']);
    assert.ok(values(args, '-device').includes('virtio-net-pci,netdev=net0'));
  });

  test('the control channel is a named virtio-serial port on the unix socket, the console goes to the log file', () => {
    const { args } = qemuCommand(config, host);
    const chardevs = values(args, '-chardev');
    assert.ok(chardevs.includes('socket,id=control,path=/root/vm/control.sock,server=on,wait=off'));
    assert.ok(chardevs.includes('file,id=console,path=/root/console.log,append=on'));
    assert.deepEqual(values(args, '-serial'), ['chardev:console']);
    assert.ok(values(args, '-device').includes('virtserialport,bus=vser0.0,chardev=control,name=actiond.control'));
    assert.ok(values(args, '-device').includes('virtio-rng-pci'));
  });

  test('rejects a disk serial /init could not match and a guest port without a host port', () => {
    assert.throws(() => qemuCommand({ ...config, disks: [{ path: '/x', readOnly: true, serial: 'a serial with spaces' }] }, host), /must be 1-20 of/);
    assert.throws(() => qemuCommand(config, { ...host, hostPorts: new Map() }), /no host port for guest port 8980/);
    assert.throws(() => qemuCommand({ ...config, network: { guestAddress: '10.0.2.15', guestPorts: [] } }, host), /is not A\.B\.C\.D\/N/);
  });

  test('the install hint names the Debian package or Homebrew', () => {
    assert.match(qemuInstallHint('x86_64', 'linux'), /Debian package qemu-system-x86/);
    assert.match(qemuInstallHint('aarch64', 'linux'), /Debian package qemu-system-arm/);
    assert.match(qemuInstallHint('aarch64', 'darwin'), /brew install qemu/);
  });
});
