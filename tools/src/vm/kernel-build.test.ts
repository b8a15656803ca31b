import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildKernel } from './kernel-build.ts';
import { VM_DIR } from './repo-paths.ts';

const dir = mkdtempSync(join(tmpdir(), 'kernel-build-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const vmTests = process.env['ACTIOND_VM_TESTS'] === '1' ? false : 'set ACTIOND_VM_TESTS=1 to run kernel builds';
const log = (line: string): void => console.error(`build-kernel: ${line}`);

/** A fresh fragment directory `name` holding the given files. */
function fragmentDir(name: string, files: Record<string, string>): string {
  const path = join(dir, name);
  mkdirSync(path);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(path, file), text);
  return path;
}

describe('buildKernel', () => {
  it('names the Debian package when the kernel source tarball is missing', async () => {
    await assert.rejects(
      buildKernel({ arch: 'x86_64', outDir: join(dir, 'out'), cacheDir: join(dir, 'cache'), sourceTarball: join(dir, 'nope.tar.xz') }),
      /kernel source .*nope\.tar\.xz not found: install Debian package linux-source-6\.1/,
    );
  });

  it('rejects a malformed fragment line by file and line before building anything', async () => {
    const tarball = join(dir, 'placeholder.tar.xz');
    writeFileSync(tarball, '');
    const fragments = fragmentDir('bad-syntax', { 'common.config': 'CONFIG_SMP=y\nCONFIG_EXT4_FS y\n', 'x86_64.config': 'CONFIG_64BIT=y\n' });
    await assert.rejects(
      buildKernel({ arch: 'x86_64', outDir: join(dir, 'out'), cacheDir: join(dir, 'cache'), fragmentDir: fragments, sourceTarball: tarball }),
      /bad-syntax\/common\.config:2: not a kernel config line: 'CONFIG_EXT4_FS y'/,
    );
  });

  it('rejects an unknown architecture and a bad -j value', async () => {
    await assert.rejects(buildKernel({ arch: 'mips', outDir: join(dir, 'out') }), /unknown VM architecture 'mips'/);
    await assert.rejects(buildKernel({ arch: 'x86_64', outDir: join(dir, 'out'), jobs: 0 }), /make -j value must be a positive integer, got 0/);
  });

  it('fails naming each requested option Kconfig dropped for a missing dependency', { skip: vmTests }, async () => {
    const fragments = fragmentDir('dropped', {});
    for (const f of ['common.config', 'x86_64.config']) copyFileSync(join(VM_DIR, 'kernel', f), join(fragments, f));
    // ELF_CORE depends on COREDUMP, which tinyconfig turns off: Kconfig drops the request without a word.
    appendFileSync(join(fragments, 'common.config'), '\nCONFIG_ELF_CORE=y\n');
    await assert.rejects(buildKernel({ arch: 'x86_64', outDir: join(dir, 'out'), fragmentDir: fragments, log }), (err: Error) => {
      assert.match(err.message, /the x86_64 kernel config does not honour 1 requested option/);
      assert.match(err.message, /dropped\/common\.config:\d+: CONFIG_ELF_CORE=y is absent from the final \.config/);
      return true;
    });
  });

  it('takes an unchanged build from the cache and copies the same image out', { skip: vmTests }, async () => {
    const first = await buildKernel({ arch: 'x86_64', outDir: join(dir, 'k1'), log });
    const second = await buildKernel({ arch: 'x86_64', outDir: join(dir, 'k2') });
    assert.equal(second.cached, true);
    assert.equal(second.manifest.key, first.manifest.key);
    assert.deepEqual(readFileSync(second.image), readFileSync(first.image));
    assert.equal(second.manifest.imageBytes, readFileSync(second.image).length);
    assert.match(readFileSync(second.config, 'utf8'), /^CONFIG_SQUASHFS_ZSTD=y$/m);
  });
});
