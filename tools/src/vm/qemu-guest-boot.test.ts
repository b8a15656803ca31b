import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { qemuCommand } from './qemu-guest-boot.ts';

const base = { kernel: 'k', initrd: 'i', append: 'actiond.cas=/dev/vda', timeoutMs: 1000 };

describe('qemuCommand', () => {
  it('boots x86_64 under multi-threaded TCG with the console on ttyS0 and QEMU exiting on power-off', () => {
    const { command, args } = qemuCommand({ ...base, arch: 'x86_64', disks: [] });
    assert.equal(command, 'qemu-system-x86_64');
    const joined = args.join(' ');
    assert.match(joined, /-accel tcg,thread=multi -smp 2 -m 512M/);
    assert.match(joined, /-no-reboot/);
    assert.equal(args[args.indexOf('-append') + 1], 'console=ttyS0 panic=-1 quiet actiond.cas=/dev/vda');
  });

  it('attaches disks in order, read-only and with serials when asked, over PCI or MMIO', () => {
    const { command, args } = qemuCommand({
      ...base,
      arch: 'aarch64',
      disks: [{ path: '/a.img' }, { path: '/b.img', readOnly: true, serial: 'actiond-system', transport: 'mmio' }],
    });
    assert.equal(command, 'qemu-system-aarch64');
    assert.deepEqual(args.slice(args.indexOf('-drive')), [
      '-drive', 'if=none,id=disk0,file=/a.img,format=raw',
      '-device', 'virtio-blk-pci,drive=disk0',
      '-drive', 'if=none,id=disk1,file=/b.img,format=raw,readonly=on',
      '-device', 'virtio-blk-device,drive=disk1,serial=actiond-system',
    ]);
    assert.match(args.join(' '), /-machine virt -cpu cortex-a57/);
  });

  it('adds named virtio-serial ports, listening on a unix socket when given one', () => {
    const { args } = qemuCommand({ ...base, arch: 'x86_64', disks: [], serialPorts: [{ name: 'actiond.0', socketPath: '/tmp/s.sock' }, { name: 'spare' }] });
    assert.deepEqual(args.slice(args.indexOf('virtio-serial-pci,id=vser') - 1), [
      '-device', 'virtio-serial-pci,id=vser',
      '-chardev', 'socket,id=port0,path=/tmp/s.sock,server=on,wait=off',
      '-device', 'virtserialport,bus=vser.0,chardev=port0,name=actiond.0',
      '-chardev', 'null,id=port1',
      '-device', 'virtserialport,bus=vser.0,chardev=port1,name=spare',
    ]);
    assert.throws(() => qemuCommand({ ...base, arch: 'x86_64', disks: [], serialPorts: [{ name: 'a b' }] }), /virtio-serial port name 'a b'/);
  });

  it('rejects what QEMU would misparse or cannot do: commas in paths, bad serials, MMIO on x86', () => {
    assert.throws(() => qemuCommand({ ...base, arch: 'x86_64', disks: [{ path: '/a,b.img' }] }), /contains a comma/);
    assert.throws(() => qemuCommand({ ...base, arch: 'x86_64', disks: [{ path: '/a', serial: 'has space' }] }), /disk serial 'has space'/);
    assert.throws(() => qemuCommand({ ...base, arch: 'x86_64', disks: [{ path: '/a', transport: 'mmio' }] }), /virtio-mmio disks need the aarch64 virt machine/);
  });
});
