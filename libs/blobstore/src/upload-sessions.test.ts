import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHA256 } from '@actiond/digest';
import { ActiondError } from '@actiond/status';
import { DiskBlobAccess } from './disk-blob-access.ts';
import { UploadSessions, type UploadSessionsOptions } from './upload-sessions.ts';

async function openStore(t: { after(fn: () => Promise<void>): void }): Promise<DiskBlobAccess> {
  const dir = await mkdtemp(join(tmpdir(), 'upload-sessions-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return DiskBlobAccess.open({ directory: join(dir, 'cas') });
}

/** Sessions that are closed after the test, so no temp file handle is left to the garbage collector. */
function sessionsFor(t: { after(fn: () => Promise<void>): void }, store: DiskBlobAccess, options?: UploadSessionsOptions): UploadSessions {
  const sessions = new UploadSessions(store, options);
  t.after(() => sessions.close());
  return sessions;
}

function isCode(code: string, ...parts: string[]) {
  return (err: unknown): boolean => {
    if (!(err instanceof ActiondError)) return false;
    assert.equal(err.codeName, code, err.message);
    for (const part of parts) assert.ok(err.message.includes(part), `"${err.message}" should mention "${part}"`);
    return true;
  };
}

const DATA = randomBytes(100_000);
const DIGEST = SHA256.compute(DATA);

test('an upload interrupted in one stream resumes in the next at the committed size', async (t) => {
  const store = await openStore(t);
  const sessions = sessionsFor(t, store);
  // First Write stream: sends 40,000 bytes, then breaks without finish_write.
  const first = await sessions.open('uuid-1', DIGEST);
  await first.write(DATA.subarray(0, 25_000), 0);
  await first.write(DATA.subarray(25_000, 40_000), 25_000);
  // The client asks where to resume.
  assert.deepEqual(await sessions.queryWriteStatus('uuid-1', DIGEST), { committedSize: 40_000, complete: false });
  // Second Write stream with the same upload id.
  const second = await sessions.open('uuid-1', DIGEST);
  assert.equal(second.committedSize, 40_000);
  await second.write(DATA.subarray(40_000), 40_000);
  await second.finish();
  assert.ok(second.complete);
  assert.deepEqual(await store.get(DIGEST), DATA);
  assert.equal(sessions.size, 0);
  assert.deepEqual(await sessions.queryWriteStatus('uuid-1', DIGEST), { committedSize: DATA.length, complete: true });
});

test('a write at an offset other than the committed size is INVALID_ARGUMENT and the upload stays resumable', async (t) => {
  const store = await openStore(t);
  const sessions = sessionsFor(t, store);
  const session = await sessions.open('u', DIGEST);
  await session.write(DATA.subarray(0, 10), 0);
  await assert.rejects(session.write(DATA.subarray(10), 0), isCode('INVALID_ARGUMENT', 'write offset 0', '10 bytes committed'));
  assert.equal(sessions.size, 1);
  await session.write(DATA.subarray(10), 10);
  await session.finish();
  assert.deepEqual(await store.get(DIGEST), DATA);
});

test('two streams opening the same new upload at once share one session', async (t) => {
  const store = await openStore(t);
  const sessions = sessionsFor(t, store);
  const [a, b] = await Promise.all([sessions.open('same', DIGEST), sessions.open('same', DIGEST)]);
  assert.equal(a, b);
  assert.equal((await readdir(store.layout.tempDirectory)).length, 1);
});

test('reusing an upload id for a different blob is INVALID_ARGUMENT naming both digests', async (t) => {
  const store = await openStore(t);
  const sessions = sessionsFor(t, store);
  await sessions.open('u', DIGEST);
  const other = SHA256.compute(Buffer.from('other'));
  await assert.rejects(sessions.open('u', other), isCode('INVALID_ARGUMENT', 'u', DIGEST.key, other.key));
  await assert.rejects(sessions.queryWriteStatus('u', other), isCode('INVALID_ARGUMENT', DIGEST.key, other.key));
});

test('an upload of a stored blob is complete at once with the full size, and later bytes are ignored', async (t) => {
  const store = await openStore(t);
  await store.put(DIGEST, DATA);
  const sessions = sessionsFor(t, store);
  const session = await sessions.open('u', DIGEST);
  assert.ok(session.complete);
  assert.equal(session.committedSize, DATA.length);
  assert.equal(sessions.size, 0, 'nothing to remember for a blob that is already stored');
  await session.write(Buffer.from('ignored'), 0);
  await session.finish();
  assert.equal(sessions.size, 0);
  assert.deepEqual(await readdir(store.layout.tempDirectory), []);
});

test('finishing with wrong content is INVALID_ARGUMENT, stores nothing and forgets the upload', async (t) => {
  const store = await openStore(t);
  const sessions = sessionsFor(t, store);
  const session = await sessions.open('u', DIGEST);
  const wrong = Buffer.from(DATA);
  wrong[5] = wrong[5]! ^ 0xff;
  await session.write(wrong, 0);
  await assert.rejects(session.finish(), isCode('INVALID_ARGUMENT', `expected ${DIGEST}`, `got ${SHA256.compute(wrong)}`));
  assert.equal(sessions.size, 0);
  await assert.rejects(sessions.queryWriteStatus('u', DIGEST), isCode('NOT_FOUND', 'u', DIGEST.key));
  assert.ok((await store.findMissing([DIGEST])).has(DIGEST));
  assert.deepEqual(await readdir(store.layout.tempDirectory), []);
});

test('sending more bytes than the digest size ends the upload', async (t) => {
  const store = await openStore(t);
  const sessions = sessionsFor(t, store);
  const session = await sessions.open('u', DIGEST);
  await assert.rejects(session.write(Buffer.concat([DATA, Buffer.from('x')]), 0), isCode('INVALID_ARGUMENT', DIGEST.key));
  assert.equal(sessions.size, 0);
  const fresh = await sessions.open('u', DIGEST);
  assert.equal(fresh.committedSize, 0, 'the id starts over');
});

test('QueryWriteStatus of an unknown upload of a missing blob is NOT_FOUND', async (t) => {
  const store = await openStore(t);
  const sessions = sessionsFor(t, store);
  await assert.rejects(sessions.queryWriteStatus('never', DIGEST), isCode('NOT_FOUND', 'never', DIGEST.key));
});

test('an idle upload expires: its temp file is removed and QueryWriteStatus says NOT_FOUND', async (t) => {
  const store = await openStore(t);
  let now = 1_000_000;
  const sessions = sessionsFor(t, store, { idleTimeoutMs: 60_000, now: () => now });
  const idle = await sessions.open('idle', DIGEST);
  await idle.write(DATA.subarray(0, 100), 0);
  now += 30_000;
  const active = await sessions.open('active', SHA256.compute(Buffer.from('another blob')));
  now += 40_000;
  assert.equal(await sessions.expireIdle(), 1);
  assert.equal(sessions.size, 1);
  await assert.rejects(sessions.queryWriteStatus('idle', DIGEST), isCode('NOT_FOUND'));
  assert.equal((await readdir(store.layout.tempDirectory)).length, 1, "only the active upload's temp file remains");
  await assert.rejects(idle.write(DATA.subarray(100), 100), isCode('FAILED_PRECONDITION'));
  await active.abort();
  assert.equal(sessions.size, 0);
});

test('expiry happens on open too, without anyone calling expireIdle', async (t) => {
  const store = await openStore(t);
  let now = 0;
  const sessions = sessionsFor(t, store, { idleTimeoutMs: 10, now: () => now });
  await sessions.open('old', DIGEST);
  now = 100;
  await sessions.open('new', SHA256.compute(Buffer.from('x')));
  assert.equal(sessions.size, 1);
});

test('more concurrent uploads than allowed is RESOURCE_EXHAUSTED; finishing one makes room', async (t) => {
  const store = await openStore(t);
  const sessions = sessionsFor(t, store, { maxSessions: 2 });
  const blobs = ['a', 'b', 'c'].map((text) => ({ data: Buffer.from(text), digest: SHA256.compute(Buffer.from(text)) }));
  const first = await sessions.open('1', blobs[0]!.digest);
  await sessions.open('2', blobs[1]!.digest);
  await assert.rejects(sessions.open('3', blobs[2]!.digest), isCode('RESOURCE_EXHAUSTED', '2', '3'));
  await sessions.open('2', blobs[1]!.digest);
  await first.write(blobs[0]!.data, 0);
  await first.finish();
  await sessions.open('3', blobs[2]!.digest);
  assert.equal(sessions.size, 2);
});

test('close aborts every upload and removes their temp files', async (t) => {
  const store = await openStore(t);
  const sessions = sessionsFor(t, store);
  await (await sessions.open('a', DIGEST)).write(DATA.subarray(0, 5), 0);
  await sessions.open('b', SHA256.compute(Buffer.from('b')));
  await sessions.close();
  assert.equal(sessions.size, 0);
  assert.deepEqual(await readdir(store.layout.tempDirectory), []);
});
