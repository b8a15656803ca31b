import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IndexSource } from './archive-index-fetcher.ts';
import { describeLockChanges, resolveRuntimeLock } from './lock-resolver.ts';
import { PackageIndex } from './package-index.ts';
import type { RuntimeLock } from './runtime-lock.ts';
import { ARCHES } from './runtime-set.ts';
import type { RuntimeSpec } from './runtime-set.ts';

function index(suite: string, arch: string, libcVersion: string): PackageIndex {
  const stanza = (name: string, version: string, depends = '') =>
    `Package: ${name}\nVersion: ${version}\nFilename: pool/main/x/${name}/${name}_${version}_${arch}.deb\nSize: 10\nSHA256: ${'c'.repeat(64)}\n${depends ? `Depends: ${depends}\n` : ''}\n`;
  return PackageIndex.parse(`${suite}/main/binary-${arch}`, stanza('libc6', libcVersion, 'libgcc-s1') + stanza('libgcc-s1', '12.2.0-14', 'libc6') + stanza('bash', '5.2', 'libc6, dpkg'));
}

const spec: RuntimeSpec = { name: 'glibc2.36', suite: 'bookworm', glibc: '2.36', mergedUsr: true, roots: ['bash'], excluded: ['dpkg'] };

describe('resolveRuntimeLock', () => {
  it('pins the closure of each runtime for each architecture', async () => {
    const source: IndexSource = { packageIndex: async (suite, arch) => index(suite, arch, '2.36-9+deb12u10') };
    const lock = await resolveRuntimeLock([spec], ARCHES, source);
    assert.deepEqual(lock.runtimes[0]?.packages.aarch64.map((p) => [p.name, p.via, p.filename]), [
      ['bash', 'root', 'pool/main/x/bash/bash_5.2_arm64.deb'],
      ['libc6', 'bash', 'pool/main/x/libc6/libc6_2.36-9+deb12u10_arm64.deb'],
      ['libgcc-s1', 'libc6', 'pool/main/x/libgcc-s1/libgcc-s1_12.2.0-14_arm64.deb'],
    ]);
  });

  it('refuses a suite whose libc6 is not the glibc the runtime is named for', async () => {
    const source: IndexSource = { packageIndex: async (suite, arch) => index(suite, arch, '2.37-1') };
    await assert.rejects(resolveRuntimeLock([spec], ARCHES, source), /^Error: glibc2.36: bookworm\/main\/binary-amd64 has libc6 2.37-1, which is not glibc 2.36$/);
  });
});

describe('describeLockChanges', () => {
  it('lists added, removed and changed packages', async () => {
    const before = await resolveRuntimeLock([spec], ARCHES, { packageIndex: async (s, a) => index(s, a, '2.36-9') });
    const after = await resolveRuntimeLock([spec], ARCHES, { packageIndex: async (s, a) => index(s, a, '2.36-9+deb12u1') });
    const dropped: RuntimeLock = { format: 1, runtimes: [{ ...(after.runtimes[0] as RuntimeLock['runtimes'][0]), packages: { x86_64: after.runtimes[0]?.packages.x86_64.slice(0, 2) ?? [], aarch64: after.runtimes[0]?.packages.aarch64 ?? [] } }] };
    assert.deepEqual(describeLockChanges(before, dropped, ARCHES), [
      'glibc2.36 x86_64: libc6 2.36-9 -> 2.36-9+deb12u1',
      'glibc2.36 x86_64: - libgcc-s1 12.2.0-14',
      'glibc2.36 aarch64: libc6 2.36-9 -> 2.36-9+deb12u1',
    ]);
    assert.equal(describeLockChanges(undefined, before, ARCHES).length, 6);
  });
});
