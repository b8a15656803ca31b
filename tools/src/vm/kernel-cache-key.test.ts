import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kernelCacheKey } from './kernel-cache-key.ts';
import type { KernelCacheInputs } from './kernel-cache-key.ts';

const base: KernelCacheInputs = {
  arch: 'x86_64',
  fragments: [
    { name: 'vm/kernel/common.config', text: 'CONFIG_A=y\n' },
    { name: 'vm/kernel/x86_64.config', text: 'CONFIG_B=y\n' },
  ],
  sourceSha256: 'aa'.repeat(32),
  scripts: [
    { name: 'a.ts', text: 'one' },
    { name: 'b.ts', text: 'two' },
  ],
  toolVersions: ['gcc (Debian 12.2.0-14) 12.2.0', 'GNU ld 2.40'],
};

describe('kernelCacheKey', () => {
  it('is a stable hex SHA-256 for the same inputs', () => {
    assert.match(kernelCacheKey(base), /^[0-9a-f]{64}$/);
    assert.equal(kernelCacheKey(base), kernelCacheKey({ ...base, scripts: [...base.scripts].reverse() }));
  });

  it('changes with every input that decides the build', () => {
    const key = kernelCacheKey(base);
    const variants: KernelCacheInputs[] = [
      { ...base, arch: 'aarch64' },
      { ...base, fragments: [{ name: 'vm/kernel/common.config', text: 'CONFIG_A=y\nCONFIG_C=y\n' }, base.fragments[1]!] },
      { ...base, fragments: [...base.fragments].reverse() },
      { ...base, sourceSha256: 'bb'.repeat(32) },
      { ...base, scripts: [{ name: 'a.ts', text: 'one!' }, base.scripts[1]!] },
      { ...base, toolVersions: ['gcc (Debian 12.2.0-15) 12.2.0', 'GNU ld 2.40'] },
    ];
    const keys = new Set(variants.map(kernelCacheKey));
    assert.equal(keys.size, variants.length);
    assert.ok(!keys.has(key));
  });

  it('cannot be fooled by moving text between adjacent fields', () => {
    const a = kernelCacheKey({ ...base, toolVersions: ['ab', 'c'] });
    const b = kernelCacheKey({ ...base, toolVersions: ['a', 'bc'] });
    assert.notEqual(a, b);
  });
});
