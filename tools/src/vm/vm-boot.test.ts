/**
 * Boot smoke tests of the VM guest: the real kernel (vm/kernel/) and
 * initramfs (vm/init/) under QEMU TCG, with a stand-in system image whose
 * bin/actiond-guest (vm/testguest/test_guest.c) prints what it sees.
 *
 * Gated by ACTIOND_VM_TESTS=1: the first run builds both kernels (several
 * minutes each on 2 cores; cached afterwards under ACTIOND_CACHE_DIR) and
 * needs the packages of vm/install-build-deps.sh.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, ftruncateSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { createCasImage } from './cas-image.ts';
import { buildInitramfs } from './initramfs-build.ts';
import { buildKernel } from './kernel-build.ts';
import { bootQemuGuest } from './qemu-guest-boot.ts';
import type { QemuBootOptions, QemuBootResult, QemuDisk } from './qemu-guest-boot.ts';
import { buildStandInSystemImage } from './stand-in-system-image.ts';

const skip = process.env['ACTIOND_VM_TESTS'] === '1' ? false : 'set ACTIOND_VM_TESTS=1 to build the VM kernels and boot them under QEMU';

interface Artifacts {
  readonly kernel: string;
  readonly kernelRelease: string;
  readonly initrd: string;
  readonly system: string;
  readonly dir: string;
}

async function prepare(arch: string, dir: string): Promise<Artifacts> {
  const kernel = await buildKernel({ arch, outDir: join(dir, 'kernel'), log: (l) => console.error(`build-kernel: ${l}`) });
  const initrd = await buildInitramfs({ arch, outDir: dir });
  const system = await buildStandInSystemImage(arch, dir);
  return { kernel: kernel.image, kernelRelease: kernel.manifest.kernelRelease, initrd: initrd.path, system, dir };
}

function consoleText(result: QemuBootResult): string {
  return result.lines.map((l) => `[${String(l.atMs).padStart(6)} ms] ${l.text}`).join('\n');
}

/** Asserts the boot ended by a power-off (QEMU exit 0) in time, showing the console otherwise. */
function assertPoweredOff(result: QemuBootResult): void {
  assert.ok(!result.timedOut, `the VM did not stop in time:\n${consoleText(result)}`);
  assert.equal(result.exitCode, 0, `QEMU failed: ${result.stderr}\n${consoleText(result)}`);
}

function has(result: QemuBootResult, pattern: RegExp): boolean {
  return result.lines.some((l) => pattern.test(l.text));
}

function assertLine(result: QemuBootResult, pattern: RegExp): void {
  assert.ok(has(result, pattern), `no console line matches ${pattern}:\n${consoleText(result)}`);
}

function firstAt(result: QemuBootResult, pattern: RegExp): number {
  const line = result.lines.find((l) => pattern.test(l.text));
  assert.ok(line !== undefined, `no console line matches ${pattern}:\n${consoleText(result)}`);
  return line.atMs;
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function zeroImage(path: string, bytes: number): void {
  const fd = openSync(path, 'wx');
  try {
    ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
}

function reportTiming(t: TestContext, result: QemuBootResult): void {
  const init = firstAt(result, /^actiond-init: starting$/);
  const guest = firstAt(result, /^test-guest: uname-r /);
  t.diagnostic(`QEMU start → init ${init} ms → guest ${guest} ms → QEMU exit ${result.elapsedMs} ms`);
}

describe('x86_64 VM guest', { skip }, () => {
  // Made in before(), not here: the suite body also runs when a name filter leaves none of its tests.
  let dir = '';
  let a: Artifacts;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vm-boot-x86_64-'));
    a = await prepare('x86_64', dir);
  });
  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  const boot = (append: string, disks: QemuDisk[], extra: Partial<QemuBootOptions> = {}): Promise<QemuBootResult> =>
    bootQemuGuest({ arch: 'x86_64', kernel: a.kernel, initrd: a.initrd, append, disks, timeoutMs: 120_000, ...extra });

  it('boots to the guest with the CAS disk mounted ext4 read-write, the system and runtimes images read-only, and a virtio-serial port', async (t) => {
    const cas = join(dir, 'cas-first.ext4');
    await createCasImage(cas, 64 * 1024 * 1024);
    const result = await boot(
      'actiond.cas=/dev/vda actiond.system=/dev/vdb actiond.runtimes=/dev/vdc actiond.port=8980',
      [{ path: cas }, { path: a.system, readOnly: true }, { path: a.system, readOnly: true }],
      { serialPorts: [{ name: 'actiond.0' }] },
    );
    assertPoweredOff(result);
    reportTiming(t, result);
    assert.ok(!has(result, /FATAL/), consoleText(result));
    for (const p of [
      /^actiond-init: starting$/,
      /^actiond-init: mounted \/proc \/sys \/dev \/dev\/pts \/dev\/shm \/sys\/fs\/cgroup \/run \/tmp$/,
      /^actiond-init: mounted CAS disk \/dev\/vda on \/cas \(ext4, rw\)$/,
      /^actiond-init: mounted runtimes disk \/dev\/vdc on \/runtimes \(squashfs, ro\)$/,
      /^actiond-init: mounted system disk \/dev\/vdb on \/system \(squashfs, ro\)$/,
      /^actiond-init: started guest \/system\/bin\/actiond-guest \(pid \d+\)$/,
      new RegExp(`^test-guest: uname-r ${a.kernelRelease.replaceAll('.', '\\.')}$`),
      /^test-guest: uname-m x86_64$/,
      /^test-guest: mount \/dev\/vda \/cas ext4 rw,/,
      /^test-guest: mount \/dev\/vdb \/system squashfs ro,/,
      /^test-guest: mount \/dev\/vdc \/runtimes squashfs ro,/,
      /^test-guest: mount devtmpfs \/dev devtmpfs rw,/,
      /^test-guest: mount cgroup2 \/sys\/fs\/cgroup cgroup2 rw,.*nsdelegate/,
      /^test-guest: mount tmp \/tmp tmpfs rw,/,
      /^test-guest: mount run \/run tmpfs rw,/,
      /^test-guest: env ACTIOND_CAS_DIR=\/cas$/,
      /^test-guest: env ACTIOND_RUNTIMES_DIR=\/runtimes$/,
      /^test-guest: env ACTIOND_PORT=8980$/,
      /^test-guest: virtio-port vport\d+p1 actiond\.0 rw$/,
      /^test-guest: mount root \/ tmpfs rw,/,
      /^test-guest: cgroup-controllers cpu memory pids$/,
      /^test-guest: unshare-all-namespaces ok$/,
      /^test-guest: pivot-root ok$/,
      /^test-guest: seccomp-filter ok$/,
      /^test-guest: previous-marker <none>$/,
      /^test-guest: wrote-marker boot 1$/,
      /^test-guest: powering off$/,
    ]) {
      assertLine(result, p);
    }
  });

  it('keeps the CAS disk contents across boots and leaves it clean when the guest exits', async () => {
    const cas = join(dir, 'cas-reboot.ext4');
    await createCasImage(cas, 64 * 1024 * 1024);
    const disks = [{ path: cas }, { path: a.system, readOnly: true }];
    const first = await boot('actiond.cas=/dev/vda actiond.system=/dev/vdb testguest.mode=exit:3', disks);
    assertPoweredOff(first);
    assertLine(first, /^test-guest: wrote-marker boot 1$/);
    assertLine(first, /^actiond-init: guest \(pid \d+\) exited with status 3$/);
    assertLine(first, /^actiond-init: unmounted \/cas$/);
    assertLine(first, /^actiond-init: powering off$/);
    const fsck = spawnSync('e2fsck', ['-fn', cas], { encoding: 'utf8' });
    assert.equal(fsck.status, 0, `the CAS image is not clean after init shut down:\n${fsck.stdout}${fsck.stderr}`);

    const second = await boot('actiond.cas=/dev/vda actiond.system=/dev/vdb testguest.mode=exit:0', disks);
    assertPoweredOff(second);
    assertLine(second, /^test-guest: previous-marker boot 1$/);
    assertLine(second, /^test-guest: wrote-marker boot 2$/);
    assertLine(second, /^actiond-init: guest \(pid \d+\) exited with status 0$/);
  });

  it('refuses a CAS disk without ext4 before writing to it, saying what the disk holds', async () => {
    const blank = join(dir, 'blank.img');
    zeroImage(blank, 16 * 1024 * 1024);
    const before = sha256(blank);
    const result = await boot('actiond.cas=/dev/vda actiond.system=/dev/vdb', [{ path: blank }, { path: a.system, readOnly: true }]);
    assertPoweredOff(result);
    assertLine(result, /^actiond-init: FATAL vm\/init\/disk\.c:\d+: CAS disk \/dev\/vda holds no ext4 filesystem \(its first 4 KiB are all zero: an image that was created but never formatted\); .*refusing to use it$/);
    assert.ok(!has(result, /^test-guest:/), 'the guest must not start');
    assert.equal(sha256(blank), before, 'the refused disk was modified');

    const swapped = await boot('actiond.cas=/dev/vda actiond.system=/dev/vdb', [{ path: a.system, readOnly: true }, { path: blank }]);
    assertPoweredOff(swapped);
    assertLine(swapped, /^actiond-init: FATAL vm\/init\/disk\.c:\d+: CAS disk \/dev\/vda holds no ext4 filesystem \(it holds a squashfs image: disks swapped\?\)/);
  });

  it('stops with a message naming the parameter for an unknown, missing or malformed actiond parameter', async () => {
    const cas = join(dir, 'cas-params.ext4');
    await createCasImage(cas, 16 * 1024 * 1024);
    const disks = [{ path: cas }, { path: a.system, readOnly: true }];
    const cases: [string, RegExp][] = [
      ['actiond.cas=/dev/vda actiond.system=/dev/vdb actiond.bogus=1', /FATAL vm\/init\/main\.c:\d+: unknown kernel parameter actiond\.bogus \(known: /],
      ['actiond.cas=/dev/vda', /FATAL vm\/init\/main\.c:\d+: required kernel parameter actiond\.system is missing$/],
      ['actiond.cas=/dev/vda actiond.system=/dev/vdb actiond.port=99999', /FATAL vm\/init\/main\.c:\d+: kernel parameter actiond\.port has a bad value '99999' \(expected a decimal port 1\.\.65535\)$/],
    ];
    for (const [append, pattern] of cases) {
      const result = await boot(append, disks);
      assertPoweredOff(result);
      assertLine(result, pattern);
      assert.ok(!has(result, /^test-guest:/), `the guest must not start for '${append}'`);
    }
  });

  it('stops naming the disk and the disks present when a disk never appears', async () => {
    const cas = join(dir, 'cas-missing.ext4');
    await createCasImage(cas, 16 * 1024 * 1024);
    const result = await boot('actiond.cas=/dev/vda actiond.system=serial:nope', [{ path: cas }, { path: a.system, readOnly: true }]);
    assertPoweredOff(result);
    assertLine(result, /^actiond-init: FATAL vm\/init\/disk\.c:\d+: system disk serial:nope did not appear within 5000 ms \(block devices present: vda vdb\)$/);
  });
});

describe('aarch64 VM guest', { skip }, () => {
  // Made in before(), not here: the suite body also runs when a name filter leaves none of its tests.
  let dir = '';
  let a: Artifacts;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vm-boot-aarch64-'));
    a = await prepare('aarch64', dir);
  });
  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('boots on the virt machine, finding the disks by virtio serial over PCI and MMIO, with the sandbox features working', async (t) => {
    const cas = join(dir, 'cas.ext4');
    await createCasImage(cas, 64 * 1024 * 1024);
    const result = await bootQemuGuest({
      arch: 'aarch64',
      kernel: a.kernel,
      initrd: a.initrd,
      append: 'actiond.cas=serial:actiond-cas actiond.system=serial:actiond-system testguest.mode=exit:0',
      disks: [
        { path: a.system, readOnly: true, serial: 'actiond-system', transport: 'mmio' },
        { path: cas, serial: 'actiond-cas' },
      ],
      timeoutMs: 300_000,
    });
    assertPoweredOff(result);
    reportTiming(t, result);
    assert.ok(!has(result, /FATAL/), consoleText(result));
    assertLine(result, /^actiond-init: mounted CAS disk \/dev\/vd[ab] on \/cas \(ext4, rw\)$/);
    assertLine(result, /^actiond-init: mounted system disk \/dev\/vd[ab] on \/system \(squashfs, ro\)$/);
    assertLine(result, new RegExp(`^test-guest: uname-r ${a.kernelRelease.replaceAll('.', '\\.')}$`));
    assertLine(result, /^test-guest: uname-m aarch64$/);
    assertLine(result, /^test-guest: mount \/dev\/vd[ab] \/cas ext4 rw,/);
    assertLine(result, /^test-guest: mount \/dev\/vd[ab] \/system squashfs ro,/);
    for (const feature of ['unshare-all-namespaces', 'pivot-root', 'seccomp-filter']) assertLine(result, new RegExp(`^test-guest: ${feature} ok$`));
    assertLine(result, /^test-guest: cgroup-controllers cpu memory pids$/);
    assertLine(result, /^actiond-init: unmounted \/cas$/);
    const fsck = spawnSync('e2fsck', ['-fn', cas], { encoding: 'utf8' });
    assert.equal(fsck.status, 0, `the CAS image is not clean:\n${fsck.stdout}${fsck.stderr}`);
  });
});
