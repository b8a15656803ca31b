import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { guestEndReason, type GuestEndFacts } from './guest-end-reason.ts';
import { qemuError } from './qemu-hypervisor.ts';

const base: GuestEndFacts = { code: 0, signal: null, killedByHost: false, consoleLines: [], hypervisorError: undefined };

describe('guestEndReason', () => {
  test('prefers /init\'s FATAL line: the boot could not mount its disks', () => {
    const lines = ['actiond-init: starting', 'actiond-init: FATAL vm/init/disk.c:120: CAS disk /dev/vda holds no ext4 filesystem', 'reboot: Power down'];
    assert.equal(guestEndReason({ ...base, consoleLines: lines }), 'the guest could not boot: vm/init/disk.c:120: CAS disk /dev/vda holds no ext4 filesystem');
  });

  test('reports the guest worker\'s exit with its own FATAL line', () => {
    const lines = ['actiond-guest: FATAL no virtio-serial port named \'actiond.control\'', 'actiond-init: guest (pid 37) exited with status 1', 'actiond-init: powering off'];
    assert.equal(guestEndReason({ ...base, consoleLines: lines }), "the guest worker exited with status 1: no virtio-serial port named 'actiond.control'");
    assert.equal(guestEndReason({ ...base, consoleLines: ['actiond-init: guest (pid 9) was killed by signal 9 (Killed)'] }), 'the guest worker was killed by signal 9 (Killed)');
  });

  test('reports a kernel panic', () => {
    assert.equal(guestEndReason({ ...base, consoleLines: ['Kernel panic - not syncing: Out of memory'] }), 'the guest kernel panicked: Out of memory');
  });

  test('a kill by serve-vm or by a signal says so, whatever the console shows', () => {
    assert.equal(guestEndReason({ ...base, killedByHost: true, signal: 'SIGKILL', code: null }), 'killed by serve-vm');
    assert.equal(guestEndReason({ ...base, signal: 'SIGKILL', code: null }), 'the hypervisor was killed by SIGKILL');
  });

  test('otherwise the hypervisor\'s status and error, or a plain power-off', () => {
    assert.equal(guestEndReason({ ...base, code: 1, hypervisorError: 'could not load kernel' }), 'the hypervisor exited with status 1: could not load kernel');
    assert.equal(guestEndReason(base), 'the guest powered off');
  });
});

describe('qemuError', () => {
  test('turns a locked disk image into a hint about another serve-vm', () => {
    const stderr = [
      'qemu-system-x86_64: -device virtio-blk-pci,drive=disk0,serial=actiond-cas: Failed to get "write" lock',
      'Is another process using the image [/tmp/avm/cas.ext4]?',
    ].join('\n');
    assert.equal(qemuError(stderr, 'qemu-system-x86_64'), 'the disk image /tmp/avm/cas.ext4 is in use by another VM (is another serve-vm running with the same CAS image?)');
  });

  test('keeps any other first line without the program name, and nothing for empty stderr', () => {
    assert.equal(qemuError('qemu-system-x86_64: could not load kernel \'/k\'\n', 'qemu-system-x86_64'), "could not load kernel '/k'");
    assert.equal(qemuError('', 'qemu-system-x86_64'), undefined);
  });
});
