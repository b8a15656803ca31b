import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { configureInterface } from './network-interface.ts';

// Black-box tests of native/actiond-netif, compiled here with the host's gcc
// (the system image build compiles the same source statically for the guest).

const SOURCE = fileURLToPath(new URL('../native/actiond-netif.c', import.meta.url));
const hasGcc = spawnSync('gcc', ['--version']).status === 0;
const isRoot = process.getuid?.() === 0;
const canUnshare = isRoot && spawnSync('unshare', ['-n', 'true']).status === 0;

describe('actiond-netif', { skip: hasGcc ? false : 'gcc is not installed' }, () => {
  let dir: string;
  let helper: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'actiond-netif-'));
    helper = join(dir, 'actiond-netif');
    const cc = spawnSync('gcc', ['-std=c11', '-D_GNU_SOURCE', '-Wall', '-Wextra', '-Werror', '-o', helper, SOURCE], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const run = (...args: string[]) => spawnSync(helper, args, { encoding: 'utf8' });

  test('bad arguments exit 2 with a message naming what is wrong', () => {
    const cases: [string[], RegExp][] = [
      [[], /usage: actiond-netif IFNAME ADDRESS\/PREFIX/],
      [['eth0', '10.0.2.15'], /bad address '10\.0\.2\.15' \(expected A\.B\.C\.D\/PREFIX\)/],
      [['eth0', '10.0.2.15/33'], /bad prefix length in '10\.0\.2\.15\/33' \(expected 1\.\.32\)/],
      [['eth0', '10.0.2/24'], /bad IPv4 address '10\.0\.2'/],
      [['an-interface-name-too-long', '10.0.2.15/24'], /bad interface name/],
    ];
    for (const [args, message] of cases) {
      const result = run(...args);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
  });

  test('gives the interface the address and brings it up', { skip: canUnshare ? false : 'needs root and unshare -n' }, () => {
    // In a network namespace of its own, so the machine's interfaces are untouched.
    const result = spawnSync('unshare', ['-n', 'sh', '-c', `"$0" lo 127.0.0.9/8 && ip -4 -o addr show dev lo`, helper], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /inet 127\.0\.0\.9\/8 /);
    assert.match(spawnSync('unshare', ['-n', 'sh', '-c', `"$0" lo 127.0.0.9/8 && ip -o link show dev lo`, helper], { encoding: 'utf8' }).stdout, /<LOOPBACK,UP/);
  });

  test('a missing interface fails with status 1, and configureInterface passes the helper\'s message on', { skip: canUnshare ? false : 'needs root and unshare -n' }, async () => {
    const result = spawnSync('unshare', ['-n', helper, 'eth0', '10.0.2.15/24'], { encoding: 'utf8' });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /actiond-netif: set the address of eth0 to 10\.0\.2\.15: No such device/);
    await assert.rejects(configureInterface(helper, 'nope0', '10.0.2.15/24'), /actiond-netif nope0 10\.0\.2\.15\/24 failed \(status 1\): actiond-netif: set the address of nope0 to 10\.0\.2\.15: No such device/);
  });
});
