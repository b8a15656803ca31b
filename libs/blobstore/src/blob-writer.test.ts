import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHA256, type Digest } from '@actiond/digest';
import { ActiondError } from '@actiond/status';
import { BlobWriter, DIRECT_WRITE_MIN_BYTES } from './blob-writer.ts';

interface Fixture {
  dir: string;
  installed: Map<string, Buffer>;
  writer(digest: Digest): Promise<BlobWriter>;
  tempFiles(): Promise<string[]>;
}

async function fixture(t: { after(fn: () => Promise<void>): void }): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'blob-writer-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const installed = new Map<string, Buffer>();
  let n = 0;
  return {
    dir,
    installed,
    writer: (digest) =>
      BlobWriter.create(digest, SHA256, join(dir, `temp-${++n}`), async (temp, d) => {
        assert.equal((await stat(temp)).mode & 0o777, 0o444, 'installed files are read-only');
        installed.set(d.key, await readFile(temp));
        await rename(temp, join(dir, `final-${d.hash}`));
      }),
    tempFiles: async () => (await readdir(dir)).filter((name) => name.startsWith('temp-')),
  };
}

function isCode(code: string, ...parts: string[]) {
  return (err: unknown): boolean =>
    err instanceof ActiondError && err.codeName === code && parts.every((part) => err.message.includes(part));
}

const DATA = Buffer.from('the quick brown fox');
const DIGEST = SHA256.compute(DATA);

test('bytes written in chunks are verified and installed on commit', async (t) => {
  const f = await fixture(t);
  const writer = await f.writer(DIGEST);
  await writer.write(DATA.subarray(0, 4));
  await writer.write(DATA.subarray(4), 4);
  assert.equal(writer.committedSize, DATA.length);
  assert.ok(!writer.complete);
  await writer.commit();
  assert.ok(writer.complete);
  assert.deepEqual(f.installed.get(DIGEST.key), DATA);
  assert.deepEqual(await f.tempFiles(), []);
});

test('a write at an offset other than the committed size is INVALID_ARGUMENT and changes nothing', async (t) => {
  const f = await fixture(t);
  const writer = await f.writer(DIGEST);
  await writer.write(DATA.subarray(0, 4), 0);
  await assert.rejects(writer.write(DATA.subarray(4), 3), isCode('INVALID_ARGUMENT', 'write offset 3', '4 bytes committed', DIGEST.key));
  assert.equal(writer.committedSize, 4);
  await writer.write(DATA.subarray(4), 4);
  await writer.commit();
  assert.deepEqual(f.installed.get(DIGEST.key), DATA);
});

test('concurrent writes are applied one at a time in call order', async (t) => {
  const f = await fixture(t);
  const writer = await f.writer(DIGEST);
  const parts = [DATA.subarray(0, 3), DATA.subarray(3, 9), DATA.subarray(9)];
  let offset = 0;
  await Promise.all(parts.map((part) => {
    const at = offset;
    offset += part.length;
    return writer.write(part, at);
  }));
  await writer.commit();
  assert.deepEqual(f.installed.get(DIGEST.key), DATA);
});

test('more bytes than the digest size is INVALID_ARGUMENT, aborts, and removes the temp file', async (t) => {
  const f = await fixture(t);
  const writer = await f.writer(DIGEST);
  await writer.write(DATA);
  await assert.rejects(writer.write(Buffer.from('!')), isCode('INVALID_ARGUMENT', DIGEST.key, `at least ${DATA.length + 1} bytes`));
  assert.ok(writer.aborted);
  assert.deepEqual(await f.tempFiles(), []);
  await assert.rejects(writer.commit(), isCode('FAILED_PRECONDITION', 'abandoned'));
  assert.equal(f.installed.size, 0);
});

test('wrong content is INVALID_ARGUMENT naming expected and actual digest, and nothing is installed', async (t) => {
  const f = await fixture(t);
  const writer = await f.writer(DIGEST);
  const wrong = Buffer.from(DATA);
  wrong[0] = 0x54; // 'T'
  await writer.write(wrong);
  await assert.rejects(writer.commit(), isCode('INVALID_ARGUMENT', `expected ${DIGEST.key}`, `got ${SHA256.compute(wrong).key}`));
  assert.equal(f.installed.size, 0);
  assert.deepEqual(await f.tempFiles(), []);
});

test('a commit before all bytes arrived is INVALID_ARGUMENT naming the short actual size', async (t) => {
  const f = await fixture(t);
  const writer = await f.writer(DIGEST);
  await writer.write(DATA.subarray(0, 5));
  await assert.rejects(writer.commit(), isCode('INVALID_ARGUMENT', `expected ${DIGEST.key}`, `/5;`));
  assert.equal(f.installed.size, 0);
  assert.deepEqual(await f.tempFiles(), []);
});

test('abort removes the temp file and later writes fail', async (t) => {
  const f = await fixture(t);
  const writer = await f.writer(DIGEST);
  await writer.write(DATA.subarray(0, 2));
  await writer.abort();
  await writer.abort();
  assert.deepEqual(await f.tempFiles(), []);
  await assert.rejects(writer.write(DATA.subarray(2), 2), isCode('FAILED_PRECONDITION', 'aborted'));
});

test('a failing install removes the temp file and reports the cause', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'blob-writer-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const writer = await BlobWriter.create(DIGEST, SHA256, join(dir, 'temp'), async () => {
    throw Object.assign(new Error('disk full'), { code: 'ENOSPC' });
  });
  await writer.write(DATA);
  await assert.rejects(writer.commit(), isCode('RESOURCE_EXHAUSTED', 'disk full', DIGEST.key));
  assert.deepEqual(await readdir(dir), []);
});

test('a completed writer reports the full size and ignores bytes', async () => {
  const writer = BlobWriter.completed(DIGEST);
  assert.ok(writer.complete);
  assert.equal(writer.committedSize, DATA.length);
  await writer.write(Buffer.from('anything'), 0);
  await writer.commit();
  await writer.abort();
  assert.ok(writer.complete);
});

test('creating a writer whose temp path exists fails instead of reusing the file', async (t) => {
  const f = await fixture(t);
  const path = join(f.dir, 'taken');
  await (await import('node:fs/promises')).writeFile(path, 'x');
  await assert.rejects(BlobWriter.create(DIGEST, SHA256, path, async () => {}), isCode('INTERNAL', 'EEXIST'));
});

test('a large blob (written with O_DIRECT where the filesystem allows) is installed byte for byte, read-only', async (t) => {
  const f = await fixture(t);
  const data = Buffer.alloc(DIRECT_WRITE_MIN_BYTES + 3 * 1024 * 1024 + 4097);
  for (let i = 0; i + 4 <= data.length; i += 4) data.writeUInt32LE(i, i);
  const digest = SHA256.compute(data);
  const writer = await f.writer(digest);
  for (let at = 0; at < data.length; at += 300_000) await writer.write(data.subarray(at, at + 300_000), at);
  assert.equal(writer.committedSize, data.length);
  await writer.commit();
  assert.ok(f.installed.get(digest.key)?.equals(data));
  assert.deepEqual(await f.tempFiles(), []);
});

test('a large blob whose content does not match is discarded, temp file and all', async (t) => {
  const f = await fixture(t);
  const data = Buffer.alloc(DIRECT_WRITE_MIN_BYTES + 5, 1);
  const digest = SHA256.compute(data);
  const writer = await f.writer(digest);
  const wrong = Buffer.from(data);
  wrong[DIRECT_WRITE_MIN_BYTES - 1] = 2;
  await writer.write(wrong);
  await assert.rejects(writer.commit(), isCode('INVALID_ARGUMENT', 'does not match its digest'));
  assert.equal(f.installed.size, 0);
  assert.deepEqual(await f.tempFiles(), []);
});
