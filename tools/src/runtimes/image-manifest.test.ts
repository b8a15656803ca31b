import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatImageManifest, parseImageManifest } from './image-manifest.ts';
import type { ImageManifest } from './image-manifest.ts';
import { DEFAULT_SANDBOX_USER } from './runtime-set.ts';

const manifest: ImageManifest = {
  format: 1,
  arch: 'aarch64',
  lockSha256: 'b'.repeat(64),
  sandboxUser: DEFAULT_SANDBOX_USER,
  runtimes: [{ name: 'glibc2.36', suite: 'bookworm', glibc: '2.36', libc6: '2.36-9+deb12u10', packages: 20 }],
};

describe('image manifest', () => {
  it('round-trips and serializes deterministically', () => {
    const text = formatImageManifest(manifest);
    assert.deepEqual(parseImageManifest(text, 'm'), manifest);
    assert.equal(formatImageManifest(parseImageManifest(text, 'm')), text);
  });

  it('rejects a manifest for an unknown architecture or format, naming the field', () => {
    const edit = (patch: object) => JSON.stringify({ ...JSON.parse(formatImageManifest(manifest)), ...patch });
    assert.throws(() => parseImageManifest(edit({ arch: 'riscv64' }), '/img/manifest.json'), /^Error: \/img\/manifest.json: missing or invalid arch$/);
    assert.throws(() => parseImageManifest(edit({ format: 2 }), 'm'), /invalid format \(expected 1\)/);
    assert.throws(() => parseImageManifest(edit({ runtimes: [{ name: '../etc' }] }), 'm'), /invalid runtimes\[0\].name/);
    assert.throws(() => parseImageManifest('nope', 'm'), /m: not valid JSON/);
  });
});
