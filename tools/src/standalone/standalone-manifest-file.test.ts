import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { manifestAsset, standaloneManifest } from './standalone-manifest-file.ts';

// The reader is cmd/linux_actiond/src/standalone-manifest.ts; the gated
// standalone-binary.test.ts proves the two agree on a real binary.

test('an asset is named by its file name, with its size and SHA-256', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'actiond-manifest-'));
  try {
    await writeFile(join(dir, 'actiond-sandbox'), 'helper bytes');
    assert.deepEqual(await manifestAsset(join(dir, 'actiond-sandbox')), {
      name: 'actiond-sandbox',
      sha256: createHash('sha256').update('helper bytes').digest('hex'),
      size: 12,
      path: join(dir, 'actiond-sandbox'),
    });
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('an asset given a name is keyed by that name, not by the file it was read from', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'actiond-manifest-'));
  try {
    await writeFile(join(dir, 'rt.img'), 'image bytes');
    const asset = await manifestAsset(join(dir, 'rt.img'), 'runtimes-aarch64.squashfs');
    assert.equal(asset.name, 'runtimes-aarch64.squashfs');
    assert.equal(asset.path, join(dir, 'rt.img'));
    assert.equal(asset.sha256, createHash('sha256').update('image bytes').digest('hex'));
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('the manifest is format 1 with the arch, the helper and the image (null without runtimes), and no build paths', () => {
  const helper = { name: 'actiond-sandbox', sha256: 'a'.repeat(64), size: 1, path: '/build/helper' };
  const image = { name: 'runtimes-x86_64.squashfs', sha256: 'b'.repeat(64), size: 2, path: '/build/image' };
  assert.deepEqual(JSON.parse(standaloneManifest('x86_64', helper, image)), {
    format: 1,
    arch: 'x86_64',
    sandboxHelper: { name: 'actiond-sandbox', sha256: 'a'.repeat(64), size: 1 },
    runtimeImage: { name: 'runtimes-x86_64.squashfs', sha256: 'b'.repeat(64), size: 2 },
  });
  assert.equal(JSON.parse(standaloneManifest('aarch64', helper, undefined)).runtimeImage, null);
});
