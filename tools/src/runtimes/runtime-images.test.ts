import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_LOCK_PATH, resolveCacheDir } from './cli-paths.ts';
import { DebCache } from './deb-cache.ts';
import { HttpDebSource } from './deb-source.ts';
import { resolveDebianMirror } from './debian-mirror.ts';
import { LineDownloadProgress } from './download-progress.ts';
import { parseImageManifest } from './image-manifest.ts';
import { buildRuntimeImage } from './runtime-image-builder.ts';
import type { BuiltRuntimeImage } from './runtime-image-builder.ts';
import { lockSha256, parseRuntimeLock } from './runtime-lock.ts';
import { archInfo, DEFAULT_SANDBOX_USER } from './runtime-set.ts';
import type { RuntimeArch } from './runtime-set.ts';

// The real images from the committed lock: downloads about 80 MiB into the
// download cache on first run and takes a few minutes, so it runs only with
// ACTIOND_RUNTIME_TESTS=1 (CI sets it). Needs root (chroot), squashfs-tools
// and qemu-user-static (qemu-aarch64-static).
const enabled = process.env.ACTIOND_RUNTIME_TESTS === '1';
const work = enabled ? mkdtempSync(join(tmpdir(), 'runtime-images-')) : '';
const lockText = enabled ? readFileSync(DEFAULT_LOCK_PATH, 'utf8') : '';
const cacheDir = resolveCacheDir(undefined, process.env);
const images = new Map<RuntimeArch, { image: BuiltRuntimeImage; root: string }>();

function build(arch: RuntimeArch, outDir: string, offline = false): Promise<BuiltRuntimeImage> {
  const source = offline
    ? { download: () => Promise.reject(new Error('a rebuild with a warm cache used the network')) }
    : { download: (...a: Parameters<HttpDebSource['download']>) => new HttpDebSource(resolveDebianMirror(undefined, process.env)).download(...a) };
  return buildRuntimeImage({
    lock: parseRuntimeLock(lockText, DEFAULT_LOCK_PATH),
    lockSha256: lockSha256(lockText),
    arch: archInfo(arch),
    outDir,
    cache: new DebCache(cacheDir, source),
    progress: new LineDownloadProgress((l) => process.stderr.write(`# ${l}\n`)),
    sandboxUser: DEFAULT_SANDBOX_USER,
    log: (l) => process.stderr.write(`# ${l}\n`),
  });
}

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

const RUNTIMES = [
  ['glibc2.31', '2.31'],
  ['glibc2.36', '2.36'],
  ['glibc2.41', '2.41'],
] as const;

describe('runtime images from the committed lock', { skip: enabled ? false : 'set ACTIOND_RUNTIME_TESTS=1 to build the real images' }, () => {
  before(async () => {
    assert.equal(process.getuid?.(), 0, 'these tests chroot into the runtimes and must run as root');
    for (const arch of ['x86_64', 'aarch64'] as const) {
      const image = await build(arch, join(work, 'out'));
      const root = join(work, `root-${arch}`);
      execFileSync('unsquashfs', ['-no-progress', '-quiet', '-d', root, image.path], { stdio: 'ignore' });
      images.set(arch, { image, root });
      process.stderr.write(`# ${image.path}: ${image.size} bytes\n`);
    }
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('lists every runtime in the manifest with the lock hash', () => {
    for (const [arch, { root }] of images) {
      const manifest = parseImageManifest(readFileSync(join(root, 'manifest.json'), 'utf8'), arch);
      assert.equal(manifest.arch, arch);
      assert.equal(manifest.lockSha256, lockSha256(lockText));
      assert.deepEqual(manifest.runtimes.map((r) => [r.name, r.glibc]), RUNTIMES.map(([n, g]) => [n, g]));
    }
  });

  it('runs each x86_64 runtime by chroot and reports its glibc', () => {
    const { root } = images.get('x86_64') as { root: string };
    for (const [name, glibc] of RUNTIMES) {
      assert.equal(run('chroot', [join(root, name), '/usr/bin/getconf', 'GNU_LIBC_VERSION']), `glibc ${glibc}`);
      assert.match(run('chroot', [join(root, name), '/bin/sh', '-c', 'uname -m; ldd --version | head -n 1']), new RegExp(`^x86_64\\nldd \\(Debian GLIBC ${glibc.replace('.', '\\.')}-`));
      assert.equal(run('chroot', ['--userspec=65534:65534', join(root, name), '/bin/bash', '-c', 'id -un; id -gn; echo hi | gzip | gzip -d | sed s/hi/ok/']), 'nobody\nnogroup\nok');
    }
  });

  it('resolves every NEEDED library of every x86_64 binary and library under ldd', () => {
    const { root } = images.get('x86_64') as { root: string };
    const script = 'for f in $(find / -xdev -type f \\( -perm -u+x -o -name "*.so*" \\) 2>/dev/null); do out=$(ldd "$f" 2>&1) || continue; case "$out" in *"not found"*) echo "$f: $out";; esac; done; echo checked';
    for (const [name] of RUNTIMES) assert.equal(run('chroot', [join(root, name), '/bin/bash', '-c', script]), 'checked', name);
  });

  it('runs each aarch64 runtime under qemu-aarch64-static and reports its glibc', () => {
    const { root } = images.get('aarch64') as { root: string };
    const qemu = run('sh', ['-c', 'command -v qemu-aarch64-static']);
    for (const [name, glibc] of RUNTIMES) {
      // No binfmt_misc registration is assumed: qemu runs each binary itself, so no command may exec another.
      copyFileSync(qemu, join(root, name, '.qemu-aarch64-static'));
      const emulate = (...args: string[]): string => run('chroot', [join(root, name), '/.qemu-aarch64-static', ...args]);
      assert.equal(emulate('/bin/uname', '-m'), 'aarch64');
      assert.equal(emulate('/usr/bin/getconf', 'GNU_LIBC_VERSION'), `glibc ${glibc}`);
      assert.equal(emulate('/bin/bash', '-c', 'echo "$BASH_VERSION" >/dev/null && read -r line </etc/hosts && printf "%s" "$line"'), '127.0.0.1\tlocalhost');
      for (const tool of ['/bin/sh', '/bin/tar', '/bin/grep', '/bin/sed', '/usr/bin/find', '/usr/bin/diff', '/bin/gzip', '/bin/ls']) {
        const listed = emulate('/lib/ld-linux-aarch64.so.1', '--list', tool);
        assert.doesNotMatch(listed, /not found/, `${name} ${tool}: ${listed}`);
      }
    }
  });

  it('rebuilds byte-identical images from a warm cache without touching the network', async () => {
    for (const [arch, { image }] of images) {
      const again = await build(arch, join(work, 'again'), true);
      assert.equal(again.sha256, image.sha256, arch);
    }
  });
});
