import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repositoryServeAssets } from './repository-serve-assets.ts';
import { locateServeAssets } from './serve-assets.ts';

// Inside the standalone binary the embedded path runs; the gated test in
// tools/src/standalone/standalone-binary.test.ts covers that one.

test('outside a standalone binary, serve uses the repository assets and extracts nothing', async () => {
  const root = await mkdtemp(join(tmpdir(), 'actiond-serve-assets-'));
  try {
    assert.deepEqual(await locateServeAssets(root), repositoryServeAssets());
    assert.deepEqual(await readdir(root), []);
  } finally {
    await rm(root, { recursive: true });
  }
});
