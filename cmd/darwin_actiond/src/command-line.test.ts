import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommandLine } from '@actiond/cli';
import { darwinActiondCli } from './command-line.ts';

// What the Bazel target //cmd/darwin_actiond:serve-vm relies on: it hands the
// boot files Bazel built to serve-vm as --kernel=, --initramfs= and
// --runtime-image=, and the user adds --system-image= and the rest.

test('serve-vm takes the boot files as --flag=PATH, as the Bazel target passes them', () => {
  const parsed = parseCommandLine(darwinActiondCli, [
    'serve-vm',
    '--kernel=vm/kernel-x86_64/bzImage',
    '--initramfs=vm/initramfs-x86_64/initramfs.cpio.zst',
    '--runtime-image=runtimes/runtimes-x86_64.squashfs',
    '--system-image=/tmp/system-x86_64.squashfs',
    '--listen=127.0.0.1:0',
  ]);
  assert.equal(parsed.kind, 'run');
  if (parsed.kind !== 'run') return;
  assert.equal(parsed.command, 'serve-vm');
  assert.equal(parsed.flags.kernel, 'vm/kernel-x86_64/bzImage');
  assert.equal(parsed.flags.initramfs, 'vm/initramfs-x86_64/initramfs.cpio.zst');
  assert.equal(parsed.flags.runtimeImage, 'runtimes/runtimes-x86_64.squashfs');
  assert.equal(parsed.flags.systemImage, '/tmp/system-x86_64.squashfs');
});

test('darwin-actiond has serve-vm only: serve, which runs actions on the host, is an unknown command', () => {
  const parsed = parseCommandLine(darwinActiondCli, ['serve']);
  assert.equal(parsed.kind, 'error');
  if (parsed.kind !== 'error') return;
  assert.match(parsed.error.message, /^darwin-actiond: unknown command "serve"; expected one of: serve-vm$/);
});
