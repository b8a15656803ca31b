import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DEFAULT_LOCK_PATH, resolveCacheDir } from '../runtimes/cli-paths.ts';
import { DebCache } from '../runtimes/deb-cache.ts';
import { readElfDynamic } from '../runtimes/elf-dynamic.ts';
import { parseRuntimeLock, type RuntimeLock } from '../runtimes/runtime-lock.ts';
import { archInfo } from '../runtimes/runtime-set.ts';
import { GUEST_C_RUNTIME, guestCRuntime, guestCRuntimePackages } from './guest-c-runtime.ts';
import { REPO_ROOT } from './repo-paths.ts';

const lock = parseRuntimeLock(readFileSync(DEFAULT_LOCK_PATH, 'utf8'), DEFAULT_LOCK_PATH);
const arch = archInfo(process.arch === 'arm64' ? 'aarch64' : 'x86_64');
const packages = guestCRuntimePackages(lock, arch);
const cache = new DebCache(resolveCacheDir(undefined, process.env), {
  download: () => Promise.reject(new Error('the test does not download')),
});
const cached = packages.every((p) => existsSync(cache.pathOf(p)));
const skip = cached ? false : `the pinned ${GUEST_C_RUNTIME} .debs are not in the download cache (pnpm runtimes:build fetches them)`;
const node = realpathSync(join(REPO_ROOT, 'node_modules', 'node', 'bin', 'node'));

describe('guestCRuntime', () => {
  test('takes libc6, libgcc-s1, libstdc++6 of the glibc2.36 runtime, and gcc-N-base for their notices', () => {
    assert.deepEqual(packages.map((p) => p.name).sort(), ['gcc-12-base', 'libc6', 'libgcc-s1', 'libstdc++6']);
  });

  test('says which runtime is missing from a lock without it', () => {
    const other: RuntimeLock = { format: 1, runtimes: lock.runtimes.filter((rt) => rt.name !== GUEST_C_RUNTIME) };
    assert.throws(() => guestCRuntimePackages(other, arch), /the runtime lock has no glibc2\.36 runtime, which the guest system image takes its C library from/);
  });

  test('gives Node.js its interpreter at the path it names and every needed library, with the packages\' copyright notices', { skip }, async () => {
    const files = await guestCRuntime(readFileSync(node), lock, arch, cache);
    const paths = files.map((f) => f.path);
    const info = readElfDynamic(readFileSync(node), 'node');
    assert.ok(paths.includes(info.interpreter!.slice(1)), `no ${info.interpreter} in ${paths.join(' ')}`);
    // The loader itself may be listed as needed too; it is the interpreter above.
    for (const needed of info.needed.filter((n) => !info.interpreter!.endsWith(`/${n}`))) assert.ok(paths.includes(`lib/${arch.multiarch}/${needed}`), `no ${needed} in ${paths.join(' ')}`);
    for (const pkg of packages) assert.ok(paths.includes(`share/doc/${pkg.name}/copyright`), `no notice of ${pkg.name}`);
    for (const file of files.filter((f) => f.path.startsWith('lib'))) assert.equal(readElfDynamic(file.data, file.path).machine, arch.elfMachine, file.path);
  });

  test('refuses a static executable, which needs no C runtime', { skip: skip || (spawnSync('gcc', ['--version']).status === 0 ? false : 'gcc is not installed') }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'guest-c-runtime-'));
    try {
      const source = join(dir, 'main.c');
      spawnSync('sh', ['-c', `echo 'int main(void){return 0;}' > ${source}`]);
      const binary = join(dir, 'static');
      assert.equal(spawnSync('gcc', ['-static', '-o', binary, source]).status, 0);
      await assert.rejects(guestCRuntime(readFileSync(binary), lock, arch, cache), /has no program interpreter \(it is static and needs no C runtime\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
