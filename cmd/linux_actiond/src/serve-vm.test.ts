import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

// Black-box tests of `linux-actiond serve-vm` failing before (or right as)
// a VM boots: each reason is one line, named clearly, and nothing is built
// or booted for long. The boots themselves are in serve-vm.integration.test.ts.

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const hasQemu = spawnSync('qemu-system-x86_64', ['--version']).error === undefined && process.arch === 'x64';

async function run(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, 'serve-vm', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stderr };
}

describe('linux-actiond serve-vm', () => {
  const dir = mkdtempSync(join(tmpdir(), 'serve-vm-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  // Stand-ins for the boot files, so no image is built.
  const files = ['kernel', 'initramfs', 'system', 'runtimes'].map((name) => {
    const path = join(dir, name);
    writeFileSync(path, `not a real ${name}\n`);
    return path;
  });
  const fileFlags = [`--kernel=${files[0]}`, `--initramfs=${files[1]}`, `--system-image=${files[2]}`, `--runtime-image=${files[3]}`];

  test('without QEMU it exits 1 with one line naming the package to install', async () => {
    const result = await run(['--listen=127.0.0.1:0', `--root=${join(dir, 'no-qemu')}`, ...fileFlags], { PATH: '/nonexistent' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^serve-vm: qemu-system-\w+ is not installed: install the Debian package qemu-system-\w+ \(apt-get install qemu-system-\w+\)\n$/);
  });

  test('an accelerator that cannot work here is refused in one line', async () => {
    const result = await run(['--accel=hvf', `--root=${join(dir, 'hvf')}`, ...fileFlags]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'serve-vm: --accel=hvf needs macOS, this is linux\n');
  });

  test('a busy --listen address is refused in one line', { skip: hasQemu ? false : 'needs qemu-system-x86_64 on an x86_64 host' }, async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const result = await run([`--listen=127.0.0.1:${port}`, `--root=${join(dir, 'busy')}`, ...fileFlags]);
      assert.equal(result.code, 1);
      assert.equal(result.stderr, `serve-vm: cannot listen on 127.0.0.1:${port}: the address is already in use\n`);
    } finally {
      busy.close();
    }
  });

  test('a boot file that does not exist is named with its flag', { skip: hasQemu ? false : 'needs qemu-system-x86_64 on an x86_64 host' }, async () => {
    const result = await run(['--listen=127.0.0.1:0', `--root=${join(dir, 'missing')}`, ...fileFlags.slice(1), `--kernel=${join(dir, 'nope')}`]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `serve-vm: --kernel ${join(dir, 'nope')}: no such file\n`);
  });

  test('a --cas-image that is not ext4 is refused before any VM sees it', { skip: hasQemu ? false : 'needs qemu-system-x86_64 on an x86_64 host' }, async () => {
    const image = join(dir, 'zero.img');
    writeFileSync(image, Buffer.alloc(8192));
    const result = await run(['--listen=127.0.0.1:0', `--root=${join(dir, 'zero')}`, `--cas-image=${image}`, ...fileFlags]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^serve-vm: the CAS image .*zero\.img is not an ext4 filesystem \(its first 4 KiB are all zero: created but never formatted\); serve-vm never formats an existing file: move it away or pass another --cas-image\n$/);
  });

  test('a VM that cannot boot is reported in one line with the hypervisor\'s reason and the console log', { skip: hasQemu ? false : 'needs qemu-system-x86_64 on an x86_64 host' }, async () => {
    const root = join(dir, 'bad-kernel');
    const result = await run(['--listen=127.0.0.1:0', `--root=${root}`, '--cas-image-size-mib=64', '--accel=tcg', ...fileFlags]);
    assert.equal(result.code, 1);
    const lines = result.stderr.trim().split('\n');
    assert.match(lines[0]!, /^serve-vm: created the CAS image .*cas\.ext4 \(64 MiB, sparse, ext4\)$/);
    assert.match(lines.at(-1)!, /^serve-vm: the actiond VM did not become ready: the hypervisor exited with status 1: .*kernel.* \(console log: .*bad-kernel\/console\.log\)$/);
  });
});
