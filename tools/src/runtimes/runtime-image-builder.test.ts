import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DebCache } from './deb-cache.ts';
import { HttpDebSource } from './deb-source.ts';
import { LineDownloadProgress } from './download-progress.ts';
import { parseImageManifest } from './image-manifest.ts';
import { buildRuntimeImage } from './runtime-image-builder.ts';
import type { LockedPackage, LockedRuntime, RuntimeLock } from './runtime-lock.ts';
import { archInfo, DEFAULT_SANDBOX_USER } from './runtime-set.ts';
import { writeTestDeb } from './test-archives.ts';
import type { TestTarEntry } from './test-archives.ts';
import { startTestMirror } from './test-mirror.ts';
import type { TestMirror } from './test-mirror.ts';

// Small fixture runtimes built from synthetic .debs: the same pipeline as the
// real images (fetch, verify, unpack, merged /usr, trim, /etc, mksquashfs)
// in a second or two. The real Debian set is exercised by
// runtime-images.test.ts when ACTIOND_RUNTIME_TESTS=1.
const work = mkdtempSync(join(tmpdir(), 'runtime-image-builder-'));
const files = new Map<string, Buffer>();
let mirror: TestMirror;

function pkg(name: string, version: string, entries: TestTarEntry[], compression: 'gz' | 'xz' | 'zst' = 'gz'): LockedPackage {
  const deb = writeTestDeb(entries, compression);
  const filename = `pool/main/${name[0]}/${name}/${name}_${version}_amd64.deb`;
  files.set(filename, deb);
  return { name, version, filename, size: deb.length, sha256: createHash('sha256').update(deb).digest('hex'), via: 'root' };
}

const LONG = `usr/share/fixture/${'n'.repeat(120)}/${'m'.repeat(80)}.txt`;

function runtime(name: string, glibc: string, mergedUsr: boolean, extra: LockedPackage[] = []): LockedRuntime {
  const packages = [
    pkg('libc6', `${glibc}-1`, [{ path: './lib/', type: 'directory' }, { path: './lib/libc-fixture.txt', content: `glibc ${glibc}\n` }, { path: './usr/share/doc/libc6/copyright', content: 'LGPL\n' }, { path: './usr/share/doc/libc6/changelog.gz', content: 'log' }]),
    pkg('dash', '0.5.12-2', [{ path: './bin/', type: 'directory' }, { path: './bin/dash', content: '#!fixture dash\n', mode: 0o755 }, { path: './usr/share/man/man1/dash.1.gz', content: 'man' }], 'xz'),
    pkg('gzip', '1.12-1', [
      { path: './bin/gzip', content: 'gzip binary\n', mode: 0o755 },
      { path: './bin/gunzip', type: 'hardlink', linkname: './bin/gzip' },
      { path: './bin/zcat', type: 'symlink', linkname: 'gzip' },
      { path: `./${LONG}`, content: 'long name\n' },
    ], 'zst'),
    ...extra,
  ];
  return { name, suite: 'fixture', glibc, mergedUsr, roots: ['libc6'], excluded: [], packages: { x86_64: packages, aarch64: packages } };
}

function lock(extra: LockedPackage[] = []): RuntimeLock {
  return { format: 1, runtimes: [runtime('glibc9.1', '9.1', false), runtime('glibc9.2', '9.2', true, extra)] };
}

async function build(l: RuntimeLock, cacheDir: string, outDir: string) {
  return buildRuntimeImage({
    lock: l,
    lockSha256: 'a'.repeat(64),
    arch: archInfo('x86_64'),
    outDir,
    cache: new DebCache(cacheDir, new HttpDebSource(mirror.url)),
    progress: new LineDownloadProgress(() => {}),
    sandboxUser: DEFAULT_SANDBOX_USER,
    log: () => {},
  });
}

function unpack(image: string): string {
  const dir = join(mkdtempSync(join(work, 'unpacked-')), 'root');
  execFileSync('unsquashfs', ['-no-progress', '-quiet', '-d', dir, image], { stdio: 'ignore' });
  return dir;
}

before(async () => {
  mirror = await startTestMirror(files);
});
after(async () => {
  await mirror.close();
  rmSync(work, { recursive: true, force: true });
});

describe('buildRuntimeImage', () => {
  it('gives byte-identical images when built twice from scratch', async () => {
    const a = await build(lock(), join(work, 'cache-a'), join(work, 'out-a'));
    const b = await build(lock(), join(work, 'cache-b'), join(work, 'out-b'));
    assert.equal(a.sha256, b.sha256);
    assert.deepEqual(readFileSync(a.path), readFileSync(b.path));
    assert.equal(a.path, join(work, 'out-a', 'runtimes-x86_64.squashfs'));
  });

  it('lays out one directory per runtime with a manifest at the top', async () => {
    const image = await build(lock(), join(work, 'cache-a'), join(work, 'out-layout'));
    const root = unpack(image.path);
    const manifest = parseImageManifest(readFileSync(join(root, 'manifest.json'), 'utf8'), 'manifest.json');
    assert.equal(manifest.arch, 'x86_64');
    assert.equal(manifest.lockSha256, 'a'.repeat(64));
    assert.deepEqual(manifest.sandboxUser, DEFAULT_SANDBOX_USER);
    assert.deepEqual(manifest.runtimes.map((r) => [r.name, r.glibc, r.libc6, r.packages]), [['glibc9.1', '9.1', '9.1-1', 3], ['glibc9.2', '9.2', '9.2-1', 3]]);

    // Split /usr keeps /bin a directory; merged /usr makes it a symlink and moves the files.
    assert.ok(lstatSync(join(root, 'glibc9.1/bin')).isDirectory());
    assert.equal(readlinkSync(join(root, 'glibc9.2/bin')), 'usr/bin');
    assert.equal(readFileSync(join(root, 'glibc9.2/usr/lib/libc-fixture.txt'), 'utf8'), 'glibc 9.2\n');
    for (const rt of ['glibc9.1', 'glibc9.2']) {
      const bin = join(root, rt, rt === 'glibc9.1' ? 'bin' : 'usr/bin');
      assert.equal(readlinkSync(join(bin, 'sh')), 'dash');
      assert.equal(statSync(join(bin, 'gzip')).ino, statSync(join(bin, 'gunzip')).ino, 'hardlink kept');
      assert.equal(statSync(join(bin, 'gzip')).mode & 0o7777, 0o755);
      assert.equal(readlinkSync(join(bin, 'zcat')), 'gzip');
      assert.equal(readFileSync(join(root, rt, LONG), 'utf8'), 'long name\n');
      assert.equal(readFileSync(join(root, rt, 'usr/share/doc/libc6/copyright'), 'utf8'), 'LGPL\n');
      assert.throws(() => lstatSync(join(root, rt, 'usr/share/doc/libc6/changelog.gz')), /ENOENT/);
      assert.throws(() => lstatSync(join(root, rt, 'usr/share/man')), /ENOENT/);
      assert.match(readFileSync(join(root, rt, 'etc/passwd'), 'utf8'), /^nobody:x:65534:65534:/m);
      assert.match(readFileSync(join(root, rt, 'etc/hosts'), 'utf8'), /^127\.0\.0\.1\tlocalhost$/m);
      assert.equal(statSync(join(root, rt, 'tmp')).mode & 0o7777, 0o1777);
      assert.equal(statSync(join(root, rt, 'etc/passwd')).uid, 0);
      assert.equal(statSync(join(root, rt, 'etc/passwd')).mtimeMs, 0);
    }
  });

  it('fails naming the package when a cached .deb has a flipped byte', async () => {
    const cacheDir = join(work, 'cache-corrupt');
    const first = await build(lock(), cacheDir, join(work, 'out-corrupt'));
    const previous = readFileSync(first.path);
    const dash = lock().runtimes[1]?.packages.x86_64.find((p) => p.name === 'dash') as LockedPackage;
    const cached = join(cacheDir, `${dash.sha256}.deb`);
    const bytes = readFileSync(cached);
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] as number) ^ 0x01;
    writeFileSync(cached, bytes);
    await assert.rejects(build(lock(), cacheDir, join(work, 'out-corrupt')), new RegExp(`package dash 0.5.12-2 \\(${dash.filename}\\): cached file .* SHA-256 mismatch: expected ${dash.sha256}, got [0-9a-f]{64}`));
    assert.deepEqual(readFileSync(first.path), previous, 'the previous image is left as it was');
    assert.throws(() => lstatSync(join(work, 'out-corrupt', '.stage-x86_64')), /ENOENT/, 'no staging directory is left behind');
  });

  it('fails naming the package when a cached .deb has the wrong size', async () => {
    const cacheDir = join(work, 'cache-size');
    await build(lock(), cacheDir, join(work, 'out-size'));
    const gzip = lock().runtimes[0]?.packages.x86_64.find((p) => p.name === 'gzip') as LockedPackage;
    writeFileSync(join(cacheDir, `${gzip.sha256}.deb`), readFileSync(join(cacheDir, `${gzip.sha256}.deb`)).subarray(0, 100));
    await assert.rejects(build(lock(), cacheDir, join(work, 'out-size')), new RegExp(`package gzip 1.12-1 .*: size mismatch: expected ${gzip.size} bytes, got 100`));
  });

  it('refuses a runtime whose ELF files cannot load, naming the file and its package', async () => {
    const ls = pkg('coreutils', '9.1-1', [{ path: './bin/ls', content: readFileSync('/bin/ls'), mode: 0o755 }]);
    await assert.rejects(build(lock([ls]), join(work, 'cache-elf'), join(work, 'out-elf')), /runtime glibc9.2 \(x86_64\) has ELF files that cannot load:\n {2}\/usr\/bin\/ls \(coreutils\): interpreter \/lib64\/ld-linux-x86-64.so.2 not found/);
  });

  it('refuses a lock whose libc6 is not the glibc the runtime is named for', async () => {
    const l = lock();
    const bad: RuntimeLock = { format: 1, runtimes: [{ ...(l.runtimes[0] as LockedRuntime), glibc: '9.9' }] };
    await assert.rejects(build(bad, join(work, 'cache-a'), join(work, 'out-glibc')), /runtime glibc9.1 \(x86_64\): libc6 9.1-1 is glibc 9.1, not 9.9/);
  });
});
