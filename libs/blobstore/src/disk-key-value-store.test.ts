import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHA256 } from '@actiond/digest';
import { ActiondError } from '@actiond/status';
import { DiskKeyValueStore } from './disk-key-value-store.ts';
import { SMALL_FILE_BYTES } from './file-steps.ts';

async function scratch(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'disk-kv-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const KEY = SHA256.compute(Buffer.from('an action'));

test('a stored value is read back from <dir>/sha256/<2 hex>/<hash>-<size>, read-only', async (t) => {
  const dir = await scratch(t);
  const store = await DiskKeyValueStore.open({ directory: join(dir, 'ac') });
  await store.put(KEY, Buffer.from('result v1'));
  assert.equal((await store.get(KEY))?.toString(), 'result v1');
  const path = join(dir, 'ac', 'sha256', KEY.hash.slice(0, 2), `${KEY.hash}-${KEY.sizeBytes}`);
  assert.equal(store.layout.entryPath(KEY), path);
  assert.equal((await stat(path)).mode & 0o777, 0o444);
});

test('a missing key reads as undefined', async (t) => {
  const store = await DiskKeyValueStore.open({ directory: join(await scratch(t), 'ac') });
  assert.equal(await store.get(KEY), undefined);
});

test('put replaces the previous value atomically and leaves no temp file', async (t) => {
  const store = await DiskKeyValueStore.open({ directory: join(await scratch(t), 'ac') });
  await store.put(KEY, Buffer.from('old'));
  await Promise.all([store.put(KEY, Buffer.from('new-a')), store.put(KEY, Buffer.from('new-b'))]);
  assert.match((await store.get(KEY))!.toString(), /^new-[ab]$/);
  assert.deepEqual(await readdir(store.layout.tempDirectory), []);
});

test('delete removes a value and reports whether there was one', async (t) => {
  const store = await DiskKeyValueStore.open({ directory: join(await scratch(t), 'ac') });
  await store.put(KEY, Buffer.from('x'));
  assert.equal(await store.delete(KEY), true);
  assert.equal(await store.delete(KEY), false);
  assert.equal(await store.get(KEY), undefined);
});

test('open removes temp files a dead process left and values survive reopening', async (t) => {
  const dir = join(await scratch(t), 'ac');
  const store = await DiskKeyValueStore.open({ directory: dir });
  await store.put(KEY, Buffer.from('kept'));
  await writeFile(join(dir, 'tmp', '999999999-1.1.aa.entry'), 'half an entry');
  const reopened = await DiskKeyValueStore.open({ directory: dir });
  assert.deepEqual(await readdir(join(dir, 'tmp')), []);
  assert.equal((await reopened.get(KEY))?.toString(), 'kept');
});

test('a value path that is a directory is INTERNAL naming the key, not a silent miss', async (t) => {
  const store = await DiskKeyValueStore.open({ directory: join(await scratch(t), 'ac') });
  await mkdir(store.layout.entryPath(KEY));
  await assert.rejects(store.get(KEY), (err: unknown) => err instanceof ActiondError && err.codeName === 'INTERNAL' && err.message.includes(KEY.key));
  await assert.rejects(store.put(KEY, Buffer.from('x')), (err: unknown) => err instanceof ActiondError && err.message.includes(KEY.key));
  assert.deepEqual(await readdir(store.layout.tempDirectory), []);
});

test('opening a store where a file blocks the directory is an error naming the directory', async (t) => {
  const dir = await scratch(t);
  await writeFile(join(dir, 'ac'), 'not a directory');
  await assert.rejects(DiskKeyValueStore.open({ directory: join(dir, 'ac') }), (err: unknown) => err instanceof ActiondError && err.message.includes(join(dir, 'ac')));
});

test('values on both sides of SMALL_FILE_BYTES (direct system calls below, the thread pool above) round-trip and replace each other', async (t) => {
  const store = await DiskKeyValueStore.open({ directory: join(await scratch(t), 'ac') });
  for (const size of [0, SMALL_FILE_BYTES, SMALL_FILE_BYTES + 1, 3 * SMALL_FILE_BYTES, 10]) {
    const value = Buffer.alloc(size, size % 251);
    await store.put(KEY, value);
    assert.deepEqual(await store.get(KEY), value, `size ${size}`);
    assert.equal((await stat(store.layout.entryPath(KEY))).mode & 0o777, 0o444);
  }
  assert.deepEqual(await readdir(store.layout.tempDirectory), []);
});
