import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkLockMatchesSpecs, formatRuntimeLock, lockSha256, parseRuntimeLock } from './runtime-lock.ts';
import type { LockedPackage, RuntimeLock } from './runtime-lock.ts';
import type { RuntimeSpec } from './runtime-set.ts';

const bash: LockedPackage = {
  name: 'bash',
  version: '5.2.15-2+b2',
  filename: 'pool/main/b/bash/bash_5.2.15-2+b2_amd64.deb',
  size: 1490652,
  sha256: 'a'.repeat(64),
  via: 'root',
};
const spec: RuntimeSpec = { name: 'glibc2.36', suite: 'bookworm', glibc: '2.36', mergedUsr: true, roots: ['bash'], excluded: ['dpkg'] };
const lock: RuntimeLock = {
  format: 1,
  runtimes: [{ ...spec, packages: { x86_64: [bash], aarch64: [{ ...bash, filename: bash.filename.replace('amd64', 'arm64') }] } }],
};

function mutate(edit: (raw: any) => void): string {
  const raw = JSON.parse(formatRuntimeLock(lock));
  edit(raw);
  return JSON.stringify(raw);
}

describe('runtime lock', () => {
  it('round-trips through its text form', () => {
    assert.deepEqual(parseRuntimeLock(formatRuntimeLock(lock), 'lock'), lock);
  });

  it('writes one line per package so diffs show single package changes', () => {
    const text = formatRuntimeLock(lock);
    assert.ok(text.split('\n').includes(`          ${JSON.stringify(bash)}`));
    assert.equal(formatRuntimeLock(lock), text, 'deterministic');
  });

  it('hashes the exact file bytes', () => {
    assert.equal(lockSha256('x'), '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881');
  });

  it('rejects a filename that is a URL or climbs out of the archive', () => {
    for (const filename of ['http://host.example/debian/pool/main/b/bash.deb', 'pool/../../etc/passwd.deb', 'pool/main/b/bash.tar']) {
      const text = mutate((raw) => (raw.runtimes[0].packages.x86_64[0].filename = filename));
      assert.throws(() => parseRuntimeLock(text, 'runtimes.lock.json'), new RegExp(`^Error: runtimes.lock.json: runtimes\\[0\\].packages.x86_64\\[0\\].filename: .* is not an archive path`));
    }
  });

  it('rejects a malformed hash or size, naming the field', () => {
    assert.throws(() => parseRuntimeLock(mutate((raw) => (raw.runtimes[0].packages.aarch64[0].sha256 = 'ABC')), 'L'), /^Error: L: runtimes\[0\].packages.aarch64\[0\].sha256: expected 64 lower-case hex digits, got "ABC"$/);
    assert.throws(() => parseRuntimeLock(mutate((raw) => (raw.runtimes[0].packages.x86_64[0].size = -1)), 'L'), /packages.x86_64\[0\].size: expected a positive integer, got -1/);
  });

  it('rejects a runtime name that cannot be a directory beside the manifest', () => {
    for (const name of ['../x', 'manifest.json', 'a/b']) {
      assert.throws(() => parseRuntimeLock(mutate((raw) => (raw.runtimes[0].name = name)), 'L'), /runtimes\[0\].name: .* cannot be a runtime directory name/);
    }
  });

  it('rejects unknown architectures and other formats', () => {
    assert.throws(() => parseRuntimeLock(mutate((raw) => (raw.runtimes[0].packages.riscv64 = [])), 'L'), /unknown architecture "riscv64"/);
    assert.throws(() => parseRuntimeLock(mutate((raw) => (raw.format = 2)), 'L'), /L: format: expected 1, got 2/);
    assert.throws(() => parseRuntimeLock('{', 'L'), /^Error: L: not valid JSON/);
  });

  it('is stale when runtime-set.ts declares other roots, suites or runtimes', () => {
    checkLockMatchesSpecs(lock, [spec], 'L');
    assert.throws(() => checkLockMatchesSpecs(lock, [{ ...spec, roots: ['bash', 'zsh'] }], 'L'), /^Error: L is stale \(glibc2.36.roots differ from runtime-set.ts\); run `pnpm runtimes:update`$/);
    assert.throws(() => checkLockMatchesSpecs(lock, [{ ...spec, suite: 'trixie' }], 'L'), /glibc2.36.suite is "bookworm", runtime-set.ts says "trixie"/);
    assert.throws(() => checkLockMatchesSpecs(lock, [spec, { ...spec, name: 'glibc2.41' }], 'L'), /it has runtimes glibc2.36, runtime-set.ts declares glibc2.36, glibc2.41/);
  });
});
