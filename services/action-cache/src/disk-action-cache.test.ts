import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DiskKeyValueStore } from '@actiond/blobstore';
import { SHA256 } from '@actiond/digest';
import { ActionResult } from '@actiond/proto';
import { DiskActionCache } from './disk-action-cache.ts';

async function openStore(t: { after(fn: () => Promise<void>): void }): Promise<DiskKeyValueStore> {
  const dir = await mkdtemp(join(tmpdir(), 'disk-ac-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return DiskKeyValueStore.open({ directory: join(dir, 'ac') });
}

const ACTION = SHA256.compute(Buffer.from('an encoded Action'));
const RESULT = ActionResult.fromPartial({
  exitCode: 0,
  outputFiles: [{ path: 'out/a.o', digest: { hash: 'ab'.repeat(32), sizeBytes: 12 }, isExecutable: true }],
  stdoutDigest: { hash: 'cd'.repeat(32), sizeBytes: 3 },
});

test('a stored result is read back equal, and a later put replaces it', async (t) => {
  const cache = new DiskActionCache(await openStore(t));
  await cache.put(ACTION, RESULT);
  assert.deepEqual(await cache.get(ACTION), RESULT);
  const failed = ActionResult.fromPartial({ ...RESULT, exitCode: 1 });
  await cache.put(ACTION, failed);
  assert.deepEqual(await cache.get(ACTION), failed);
});

test('an action with no entry reads as undefined', async (t) => {
  const cache = new DiskActionCache(await openStore(t));
  assert.equal(await cache.get(ACTION), undefined);
});

test('an entry that does not decode as an ActionResult reads as a miss and is left for the next put to replace', async (t) => {
  const store = await openStore(t);
  const cache = new DiskActionCache(store);
  // Field 2 (output_files) claiming 100 bytes that are not there.
  await store.put(ACTION, Buffer.from([0x12, 100, 1, 2]));
  assert.equal(await cache.get(ACTION), undefined);
  assert.notEqual(await store.get(ACTION), undefined);
  await cache.put(ACTION, RESULT);
  assert.deepEqual(await cache.get(ACTION), RESULT);
});
