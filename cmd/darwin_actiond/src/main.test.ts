import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

// Black-box tests of the darwin-actiond process: what an operator sees.

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

function run(args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env, timeout: 60_000 });
}

describe('darwin-actiond', () => {
  test('--help lists serve-vm, and serve-vm --help its flags', () => {
    const top = run(['--help']);
    assert.equal(top.status, 0);
    assert.match(top.stdout, /serve-vm/);
    const help = run(['serve-vm', '--help']);
    assert.equal(help.status, 0);
    for (const flag of ['--listen', '--root', '--cas-image', '--cas-image-size-mib', '--kernel', '--initramfs', '--runtime-image', '--memory-mib', '--cpus', '--accel']) {
      assert.match(help.stdout, new RegExp(`${flag} `), flag);
    }
    assert.match(help.stdout, /\(default: \/tmp\/actiond-vm\)/);
  });

  test('a bad flag exits 2 with one line naming it and a hint', () => {
    const result = run(['serve-vm', '--accel=xen']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^darwin-actiond: .*--accel.*\nRun "darwin-actiond serve-vm --help" for usage\.\n$/);
  });

  test('without QEMU it exits 1 with one line naming what to install', () => {
    const result = run(['serve-vm', '--listen=127.0.0.1:0', '--root=/tmp/darwin-actiond-no-qemu'], { PATH: '/nonexistent' });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^serve-vm: qemu-system-(x86_64|aarch64) is not installed: install the Debian package qemu-system-(x86|arm) \(apt-get install qemu-system-(x86|arm)\)\n$/);
  });
});
