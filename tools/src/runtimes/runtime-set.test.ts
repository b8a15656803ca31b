import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DEFAULT_LOCK_PATH } from './cli-paths.ts';
import { checkLockMatchesSpecs, parseRuntimeLock } from './runtime-lock.ts';
import { archInfo, DEFAULT_SANDBOX_USER, RUNTIMES, sandboxUserFor } from './runtime-set.ts';

describe('runtime set', () => {
  it('is what the committed lock was resolved from', () => {
    const lock = parseRuntimeLock(readFileSync(DEFAULT_LOCK_PATH, 'utf8'), DEFAULT_LOCK_PATH);
    checkLockMatchesSpecs(lock, RUNTIMES, DEFAULT_LOCK_PATH);
    for (const rt of lock.runtimes) {
      for (const arch of ['x86_64', 'aarch64'] as const) {
        const libc6 = rt.packages[arch].find((p) => p.name === 'libc6');
        assert.ok(libc6?.version.startsWith(`${rt.glibc}-`), `${rt.name} ${arch}: libc6 ${libc6?.version}`);
        const debArch = archInfo(arch).debianArch;
        for (const p of rt.packages[arch]) assert.match(p.filename, new RegExp(`_(${debArch}|all)\\.deb$`), `${rt.name} ${arch}: ${p.filename}`);
      }
    }
  });

  it('names each runtime after the glibc it holds', () => {
    for (const rt of RUNTIMES) assert.equal(rt.name, `glibc${rt.glibc}`);
  });

  it('keeps the default sandbox account unless other ids are asked for', () => {
    assert.equal(sandboxUserFor(65534, 65534), DEFAULT_SANDBOX_USER);
    assert.deepEqual(sandboxUserFor(1000, 1000), { uid: 1000, gid: 1000, user: 'sandbox', group: 'sandbox', home: '/nonexistent' });
    assert.throws(() => sandboxUserFor(-1, 0), /sandbox uid must be an integer from 0 to 4294967294, got -1/);
  });

  it('rejects an unknown architecture, listing the supported ones', () => {
    assert.throws(() => archInfo('riscv64'), /unsupported architecture "riscv64"; supported: x86_64, aarch64/);
  });
});
