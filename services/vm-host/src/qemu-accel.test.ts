import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chooseQemuAccel, type AccelFacts } from './qemu-accel.ts';

const linuxHost: AccelFacts = { platform: 'linux', hostArch: 'x86_64', kvmAccessible: true, hostIsVirtualMachine: false };

describe('chooseQemuAccel', () => {
  test('auto takes KVM on a Linux host with usable /dev/kvm that is not itself a VM', () => {
    assert.equal(chooseQemuAccel('auto', 'x86_64', linuxHost).accel, 'kvm');
  });

  test('auto takes TCG when the host is itself a VM, /dev/kvm is unusable, or the guest is another architecture', () => {
    assert.equal(chooseQemuAccel('auto', 'x86_64', { ...linuxHost, hostIsVirtualMachine: true }).accel, 'tcg');
    assert.match(chooseQemuAccel('auto', 'x86_64', { ...linuxHost, hostIsVirtualMachine: true }).why, /--accel=kvm forces it/);
    assert.equal(chooseQemuAccel('auto', 'x86_64', { ...linuxHost, kvmAccessible: false }).accel, 'tcg');
    assert.equal(chooseQemuAccel('auto', 'aarch64', linuxHost).accel, 'tcg');
  });

  test('auto takes HVF on macOS for the Mac\'s own architecture', () => {
    assert.equal(chooseQemuAccel('auto', 'aarch64', { platform: 'darwin', hostArch: 'aarch64', kvmAccessible: false, hostIsVirtualMachine: false }).accel, 'hvf');
  });

  test('an explicit accelerator that cannot work here fails naming what is missing', () => {
    assert.throws(() => chooseQemuAccel('kvm', 'x86_64', { ...linuxHost, kvmAccessible: false }), /\/dev\/kvm is missing or not readable and writable/);
    assert.throws(() => chooseQemuAccel('kvm', 'aarch64', linuxHost), /cannot run a aarch64 guest on a x86_64 host; use --accel=tcg/);
    assert.throws(() => chooseQemuAccel('hvf', 'x86_64', linuxHost), /--accel=hvf needs macOS/);
    assert.throws(() => chooseQemuAccel('kvm', 'x86_64', { ...linuxHost, platform: 'darwin' }), /--accel=kvm needs a Linux host/);
  });

  test('explicit TCG always works, and explicit KVM works on a nested host', () => {
    assert.equal(chooseQemuAccel('tcg', 'aarch64', linuxHost).accel, 'tcg');
    assert.equal(chooseQemuAccel('kvm', 'x86_64', { ...linuxHost, hostIsVirtualMachine: true }).accel, 'kvm');
  });
});
