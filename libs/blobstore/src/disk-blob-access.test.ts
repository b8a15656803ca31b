import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  chmod,
  chown,
  link,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Digest, DigestSet, SHA256 } from '@actiond/digest';
import { ActiondError } from '@actiond/status';
import { DiskBlobAccess } from './disk-blob-access.ts';
import { SMALL_FILE_BYTES } from './file-steps.ts';

async function scratch(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'disk-blob-access-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function openStore(t: { after(fn: () => Promise<void>): void }): Promise<{ store: DiskBlobAccess; dir: string }> {
  const dir = await scratch(t);
  return { store: await DiskBlobAccess.open({ directory: join(dir, 'cas') }), dir };
}

function isCode(code: string, ...parts: string[]) {
  return (err: unknown): boolean => {
    if (!(err instanceof ActiondError)) return false;
    assert.equal(err.codeName, code, err.message);
    for (const part of parts) assert.ok(err.message.includes(part), `"${err.message}" should mention "${part}"`);
    return true;
  };
}

async function collect(stream: AsyncIterable<Buffer>): Promise<{ data: Buffer; chunks: number[] }> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk);
  return { data: Buffer.concat(parts), chunks: parts.map((part) => part.length) };
}

const tempFiles = (store: DiskBlobAccess): Promise<string[]> => readdir(store.layout.tempDirectory);
const blob = (text: string): { data: Buffer; digest: Digest } => {
  const data = Buffer.from(text);
  return { data, digest: SHA256.compute(data) };
};
const EMPTY = SHA256.emptyDigest;

test('put stores a read-only file named <hash>-<size> in its shard and get returns the bytes', async (t) => {
  const { store, dir } = await openStore(t);
  const { data, digest } = blob('hello world');
  await store.put(digest, data);
  const path = store.pathOf(digest);
  assert.equal(path, join(dir, 'cas', 'sha256', digest.hash.slice(0, 2), `${digest.hash}-${digest.sizeBytes}`));
  const info = await stat(path);
  assert.equal(info.mode & 0o777, 0o444);
  assert.equal(info.uid, process.geteuid!());
  assert.deepEqual(await store.get(digest), data);
  assert.equal((await store.findMissing([digest])).size, 0);
  assert.deepEqual(await tempFiles(store), []);
});

test('put with content that does not match the hash is INVALID_ARGUMENT naming both digests, and stores nothing', async (t) => {
  const { store } = await openStore(t);
  const { digest } = blob('expected');
  const wrong = Buffer.from('EXPECTED');
  await assert.rejects(store.put(digest, wrong), isCode('INVALID_ARGUMENT', `expected ${digest}`, `got ${SHA256.compute(wrong)}`));
  assert.ok((await store.findMissing([digest])).has(digest));
  assert.ok((await store.findMissing([SHA256.compute(wrong)])).has(SHA256.compute(wrong)));
  assert.deepEqual(await tempFiles(store), []);
});

test('put with the right hash but a wrong size is INVALID_ARGUMENT and stores nothing', async (t) => {
  const { store } = await openStore(t);
  const { data, digest } = blob('sized');
  const claimed = Digest.parse(digest.hash, digest.sizeBytes + 1);
  await assert.rejects(store.put(claimed, data), isCode('INVALID_ARGUMENT', `expected ${claimed}`, `got ${digest}`));
  assert.equal((await store.findMissing([claimed, digest])).size, 2);
});

test('get, read and pathOf of a missing blob are NOT_FOUND naming the digest', async (t) => {
  const { store } = await openStore(t);
  const { digest } = blob('absent');
  await assert.rejects(store.get(digest), isCode('NOT_FOUND', digest.key));
  await assert.rejects(store.read(digest), isCode('NOT_FOUND', digest.key));
  assert.throws(() => store.pathOf(digest), isCode('NOT_FOUND', digest.key));
  await assert.rejects(store.executablePathOf(digest), isCode('NOT_FOUND', digest.key));
});

test('a stored blob with a different size is a different, missing digest', async (t) => {
  const { store } = await openStore(t);
  const { data, digest } = blob('twelve bytes');
  await store.put(digest, data);
  const other = Digest.parse(digest.hash, 13);
  assert.deepEqual((await store.findMissing([digest, other])).toArray(), [other]);
  await assert.rejects(store.get(other), isCode('NOT_FOUND', other.key));
});

test('read streams a large blob in chunks no larger than the chunk size', async (t) => {
  const { store } = await openStore(t);
  const data = randomBytes(1_000_000);
  const digest = SHA256.compute(data);
  await store.put(digest, data);
  const { data: read, chunks } = await collect(await store.read(digest, { chunkSizeBytes: 64 * 1024 }));
  assert.deepEqual(read, data);
  assert.ok(chunks.length >= 16, `${chunks.length} chunks`);
  assert.ok(chunks.every((size) => size <= 64 * 1024));
});

test('read honours offset and limit, and a limit of 0 means to the end', async (t) => {
  const { store } = await openStore(t);
  const { data, digest } = blob('0123456789');
  await store.put(digest, data);
  assert.equal((await collect(await store.read(digest, { offset: 3, limit: 4 }))).data.toString(), '3456');
  assert.equal((await collect(await store.read(digest, { offset: 3, limit: 0 }))).data.toString(), '3456789');
  assert.equal((await collect(await store.read(digest, { offset: 8, limit: 100 }))).data.toString(), '89');
  assert.equal((await collect(await store.read(digest, { chunkSizeBytes: 3 }))).chunks.join(','), '3,3,3,1');
});

test('read at exactly the size yields nothing; beyond it is OUT_OF_RANGE naming offset and digest', async (t) => {
  const { store } = await openStore(t);
  const { data, digest } = blob('0123456789');
  await store.put(digest, data);
  assert.equal((await collect(await store.read(digest, { offset: 10 }))).data.length, 0);
  await assert.rejects(store.read(digest, { offset: 11 }), isCode('OUT_OF_RANGE', 'offset 11', digest.key));
});

test('read with a negative or fractional offset, limit or chunk size is INVALID_ARGUMENT', async (t) => {
  const { store } = await openStore(t);
  const { data, digest } = blob('abc');
  await store.put(digest, data);
  await assert.rejects(store.read(digest, { offset: -1 }), isCode('INVALID_ARGUMENT', 'read offset -1'));
  await assert.rejects(store.read(digest, { limit: 1.5 }), isCode('INVALID_ARGUMENT', 'read limit 1.5'));
  await assert.rejects(store.read(digest, { chunkSizeBytes: 0 }), isCode('INVALID_ARGUMENT', 'chunk size'));
});

test('a stream destroyed early releases the file', async (t) => {
  const { store } = await openStore(t);
  const data = randomBytes(300_000);
  const digest = SHA256.compute(data);
  await store.put(digest, data);
  const stream = await store.read(digest, { chunkSizeBytes: 1024 });
  for await (const _ of stream) break;
  assert.ok(stream.destroyed);
  await once(stream, 'close').catch(() => {});
  const fds = await readdir('/proc/self/fd');
  const open = await Promise.all(fds.map((fd) => import('node:fs/promises').then((fs) => fs.readlink(`/proc/self/fd/${fd}`).catch(() => ''))));
  assert.ok(!open.includes(store.pathOf(digest)), 'no descriptor left on the blob file');
});

test('the empty blob is always present, reads as zero bytes and has a file', async (t) => {
  const { store } = await openStore(t);
  assert.equal((await store.findMissing([EMPTY])).size, 0);
  assert.equal((await store.get(EMPTY)).length, 0);
  assert.equal((await collect(await store.read(EMPTY))).data.length, 0);
  await assert.rejects(store.read(EMPTY, { offset: 1 }), isCode('OUT_OF_RANGE', EMPTY.key));
  await store.put(EMPTY, new Uint8Array(0));
  const write = await store.beginWrite(EMPTY);
  assert.ok(write.complete);
  assert.equal((await stat(store.pathOf(EMPTY))).size, 0);
  await assert.rejects(store.put(EMPTY, Buffer.from('x')), isCode('INVALID_ARGUMENT', `expected ${EMPTY}`));
});

test('the empty blob reads as zero bytes even if its file was deleted, and open recreates the file', async (t) => {
  const { store, dir } = await openStore(t);
  await rm(store.pathOf(EMPTY));
  assert.equal((await store.get(EMPTY)).length, 0);
  const reopened = await DiskBlobAccess.open({ directory: join(dir, 'cas') });
  assert.equal((await stat(reopened.pathOf(EMPTY))).size, 0);
});

test('a blob whose file has the wrong size is DATA_LOSS, is removed, and can be stored again', async (t) => {
  const { store } = await openStore(t);
  const { data, digest } = blob('this blob will be damaged');
  await store.put(digest, data);
  const path = store.pathOf(digest);
  await chmod(path, 0o644);
  await truncate(path, 4);
  await assert.rejects(store.get(digest), isCode('DATA_LOSS', digest.key, '4 bytes'));
  await assert.rejects(lstat(path), { code: 'ENOENT' });
  assert.ok((await store.findMissing([digest])).has(digest));
  await store.put(digest, data);
  assert.deepEqual(await store.get(digest), data);
});

test('read of a damaged blob is DATA_LOSS before any byte is streamed', async (t) => {
  const { store } = await openStore(t);
  const { data, digest } = blob('another damaged blob');
  await store.put(digest, data);
  await chmod(store.pathOf(digest), 0o644);
  await writeFile(store.pathOf(digest), 'longer than it should be, far longer');
  await assert.rejects(store.read(digest), isCode('DATA_LOSS', digest.key));
  assert.ok((await store.findMissing([digest])).has(digest));
});

test('a blob whose file disappeared is NOT_FOUND and then reported missing', async (t) => {
  const { store } = await openStore(t);
  const { data, digest } = blob('vanishing');
  await store.put(digest, data);
  await rm(store.pathOf(digest));
  await assert.rejects(store.get(digest), isCode('NOT_FOUND', digest.key));
  assert.ok((await store.findMissing([digest])).has(digest));
});

test('beginWrite streams a blob into place; for a stored blob it is complete at once', async (t) => {
  const { store } = await openStore(t);
  const data = randomBytes(200_000);
  const digest = SHA256.compute(data);
  const write = await store.beginWrite(digest);
  assert.ok(!write.complete);
  for (let at = 0; at < data.length; at += 30_000) await write.write(data.subarray(at, at + 30_000), at);
  assert.ok((await store.findMissing([digest])).has(digest), 'invisible until committed');
  await write.commit();
  assert.deepEqual(await store.get(digest), data);
  const again = await store.beginWrite(digest);
  assert.ok(again.complete);
  assert.equal(again.committedSize, data.length);
  assert.deepEqual(await tempFiles(store), []);
});

test('a streamed write with wrong content is INVALID_ARGUMENT and leaves nothing behind', async (t) => {
  const { store } = await openStore(t);
  const { digest } = blob('right');
  const write = await store.beginWrite(digest);
  await write.write(Buffer.from('wrong'));
  await assert.rejects(write.commit(), isCode('INVALID_ARGUMENT', `expected ${digest}`, `got ${SHA256.compute(Buffer.from('wrong'))}`));
  assert.ok((await store.findMissing([digest])).has(digest));
  assert.deepEqual(await tempFiles(store), []);
});

test('concurrent writes and puts of the same blob all succeed and store it once, intact', async (t) => {
  const { store } = await openStore(t);
  const data = randomBytes(100_000);
  const digest = SHA256.compute(data);
  const writes = await Promise.all([store.beginWrite(digest), store.beginWrite(digest), store.beginWrite(digest)]);
  await Promise.all([
    ...writes.map(async (write) => {
      for (let at = 0; at < data.length; at += 7_000) await write.write(data.subarray(at, at + 7_000));
      await write.commit();
    }),
    store.put(digest, data),
    store.put(digest, data),
  ]);
  assert.deepEqual(await store.get(digest), data);
  assert.deepEqual(await readdir(join(store.layout.entriesDirectory, digest.hash.slice(0, 2))), [`${digest.hash}-${digest.sizeBytes}`]);
  assert.deepEqual(await tempFiles(store), []);
});

test('reopening indexes stored blobs from the directory listing and ignores foreign names', async (t) => {
  const { store, dir } = await openStore(t);
  const { data, digest } = blob('persisted');
  await store.put(digest, data);
  const shard = join(store.layout.entriesDirectory, digest.hash.slice(0, 2));
  await writeFile(join(shard, 'README'), 'not a blob');
  await writeFile(join(shard, `${digest.hash}`), 'old layout name');
  const reopened = await DiskBlobAccess.open({ directory: join(dir, 'cas') });
  assert.equal(reopened.stats.blobs, 2, 'the blob and the empty blob');
  assert.deepEqual(await reopened.get(digest), data);
  assert.ok(await readFile(join(shard, 'README')), 'foreign files are left alone');
});

test('a writer killed with SIGKILL mid-upload leaves no blob, and the next open removes its temp file', async (t) => {
  const dir = await scratch(t);
  const cas = join(dir, 'cas');
  const data = randomBytes(500_000);
  const digest = SHA256.compute(data);
  const script = `
    import { DiskBlobAccess } from ${JSON.stringify(new URL('./disk-blob-access.ts', import.meta.url).href)};
    import { Digest } from '@actiond/digest';
    const store = await DiskBlobAccess.open({ directory: ${JSON.stringify(cas)} });
    const write = await store.beginWrite(Digest.parse(${JSON.stringify(digest.hash)}, ${digest.sizeBytes}));
    await write.write(Buffer.alloc(250000, 7));
    process.stdout.write('halfway\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: new URL('..', import.meta.url).pathname,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = await once(child.stdout, 'data');
  assert.equal(String(line).trim(), 'halfway');
  assert.equal((await readdir(join(cas, 'tmp'))).length, 1, 'the partial upload sits in tmp/');
  child.kill('SIGKILL');
  await once(child, 'exit');
  const store = await DiskBlobAccess.open({ directory: cas });
  assert.equal(store.stats.staleTempFilesRemoved, 1);
  assert.deepEqual(await tempFiles(store), []);
  assert.ok((await store.findMissing([digest])).has(digest));
  assert.deepEqual(await readdir(join(store.layout.entriesDirectory, digest.hash.slice(0, 2))), []);
});

test('FindMissing over 100,000 digests returns exactly the absent ones, deduplicated', async (t) => {
  const dir = await scratch(t);
  const cas = join(dir, 'cas');
  const layout = (await DiskBlobAccess.open({ directory: cas })).layout;
  // Present blobs are planted as files so the index must come from listing the shards at open.
  const present: Digest[] = [];
  for (let i = 0; i < 1_000; i++) present.push(Digest.parse(SHA256.compute(Buffer.from(`p${i}`)).hash, i));
  await Promise.all(present.map((digest) => writeFile(layout.entryPath(digest), '')));
  const store = await DiskBlobAccess.open({ directory: cas });
  assert.equal(store.stats.blobs, present.length + 1);

  const absent: Digest[] = [];
  for (let i = 0; i < 96_000; i++) absent.push(Digest.parse(`a${i.toString(16).padStart(63, '0')}`, i));
  const wrongSize = present.map((digest) => Digest.parse(digest.hash, digest.sizeBytes + 1));
  const duplicates = [...absent.slice(0, 1_000), ...present.slice(0, 999)];
  const query = [...present, ...absent, ...wrongSize, EMPTY, ...duplicates];
  assert.equal(query.length, 100_000);
  const missing = await store.findMissing(query);
  assert.equal(missing.size, absent.length + wrongSize.length);
  assert.ok(absent.every((digest) => missing.has(digest)));
  assert.ok(wrongSize.every((digest) => missing.has(digest)));
  assert.ok(present.every((digest) => !missing.has(digest)));
  assert.ok(!missing.has(EMPTY));
  const fromSet = await store.findMissing(DigestSet.of(query));
  assert.deepEqual(fromSet.toArray(), missing.toArray(), 'a DigestSet query gives the same answer');
  assert.ok(wrongSize.every((digest) => fromSet.has(digest)) && present.every((digest) => !fromSet.has(digest)));
  assert.deepEqual((await store.findMissing(DigestSet.of([]))).size, 0);
});

test('adoptFile renames the file into the store without copying and returns its digest', async (t) => {
  const { store, dir } = await openStore(t);
  const path = join(dir, 'output.o');
  await writeFile(path, 'compiled output', { mode: 0o755 });
  const inode = (await stat(path)).ino;
  const digest = await store.adoptFile(path);
  assert.ok(digest.equals(SHA256.compute(Buffer.from('compiled output'))));
  await assert.rejects(lstat(path), { code: 'ENOENT' });
  const stored = await stat(store.pathOf(digest));
  assert.equal(stored.ino, inode, 'same inode: renamed, not copied');
  assert.equal(stored.mode & 0o777, 0o444);
  assert.equal(store.stats.adoptCopies, 0);
  assert.deepEqual(await tempFiles(store), []);
});

test('adoptFile with a wrong expected digest is INVALID_ARGUMENT and leaves the file where it was', async (t) => {
  const { store, dir } = await openStore(t);
  const path = join(dir, 'output.txt');
  await writeFile(path, 'actual content', { mode: 0o640 });
  const { digest: expected } = blob('other content');
  await assert.rejects(store.adoptFile(path, expected), isCode('INVALID_ARGUMENT', path, `expected ${expected}`, `got ${SHA256.compute(Buffer.from('actual content'))}`));
  assert.equal(await readFile(path, 'utf8'), 'actual content');
  assert.equal((await stat(path)).mode & 0o777, 0o640);
  assert.ok((await store.findMissing([SHA256.compute(Buffer.from('actual content'))])).size === 1);
  assert.deepEqual(await tempFiles(store), []);
});

test('adoptFile with the right expected digest of an already stored blob drops the file', async (t) => {
  const { store, dir } = await openStore(t);
  const { data, digest } = blob('duplicate output');
  await store.put(digest, data);
  const inode = (await stat(store.pathOf(digest))).ino;
  const path = join(dir, 'dup');
  await writeFile(path, data);
  assert.ok((await store.adoptFile(path, digest)).equals(digest));
  await assert.rejects(lstat(path), { code: 'ENOENT' });
  assert.equal((await stat(store.pathOf(digest))).ino, inode, 'the stored blob is untouched');
  assert.deepEqual(await tempFiles(store), []);
});

test('adoptFile copies a file that has other hardlinks, so those names cannot change the blob', async (t) => {
  const { store, dir } = await openStore(t);
  const path = join(dir, 'linked');
  await writeFile(path, 'shared inode');
  await link(path, join(dir, 'other-name'));
  const digest = await store.adoptFile(path);
  await assert.rejects(lstat(path), { code: 'ENOENT' });
  assert.notEqual((await stat(store.pathOf(digest))).ino, (await stat(join(dir, 'other-name'))).ino);
  await writeFile(join(dir, 'other-name'), 'changed later');
  assert.equal((await store.get(digest)).toString(), 'shared inode');
  assert.equal(store.stats.adoptCopies, 1);
});

test('adoptFile makes a file owned by another user the server\'s own', { skip: process.geteuid?.() !== 0 && 'needs root' }, async (t) => {
  const { store, dir } = await openStore(t);
  const path = join(dir, 'foreign');
  await writeFile(path, 'written by the sandboxed action', { mode: 0o666 });
  await chown(path, 65534, 65534);
  const digest = await store.adoptFile(path);
  const stored = await stat(store.pathOf(digest));
  assert.equal(stored.uid, 0);
  assert.equal(stored.mode & 0o777, 0o444);
  assert.equal(store.stats.adoptCopies, 0);
});

test('adoptFile of a directory or symlink is INVALID_ARGUMENT and of a missing path NOT_FOUND', async (t) => {
  const { store, dir } = await openStore(t);
  await mkdir(join(dir, 'd'));
  await symlink('/etc/hostname', join(dir, 'l'));
  await assert.rejects(store.adoptFile(join(dir, 'd')), isCode('INVALID_ARGUMENT', join(dir, 'd'), 'a directory'));
  await assert.rejects(store.adoptFile(join(dir, 'l')), isCode('INVALID_ARGUMENT', join(dir, 'l'), 'a symbolic link'));
  await assert.rejects(store.adoptFile(join(dir, 'nope')), isCode('NOT_FOUND', join(dir, 'nope')));
  assert.ok((await lstat(join(dir, 'l'))).isSymbolicLink());
});

test('the executable variant is a separate 0555 inode, copied once and then reused', async (t) => {
  const { store, dir } = await openStore(t);
  const { data, digest } = blob('#!/bin/sh\necho hi\n');
  await store.put(digest, data);
  const [first, concurrent] = await Promise.all([store.executablePathOf(digest), store.executablePathOf(digest)]);
  assert.equal(first, concurrent, 'concurrent requests share one copy');
  assert.ok(first.copied);
  const info = await stat(first.path);
  assert.equal(info.mode & 0o777, 0o555);
  assert.notEqual(info.ino, (await stat(store.pathOf(digest))).ino);
  assert.deepEqual(await readFile(first.path), data);
  const second = await store.executablePathOf(digest);
  assert.deepEqual(second, { path: first.path, copied: false });
  assert.equal(store.stats.executableCopies, 1);
  const reopened = await DiskBlobAccess.open({ directory: join(dir, 'cas') });
  assert.deepEqual(await reopened.executablePathOf(digest), { path: first.path, copied: false });
  assert.equal((await stat(store.pathOf(digest))).mode & 0o777, 0o444, 'the plain blob stays non-executable');
});

test('the executable variant of a damaged blob is DATA_LOSS and nothing is copied', async (t) => {
  const { store } = await openStore(t);
  const { data, digest } = blob('tool binary');
  await store.put(digest, data);
  await chmod(store.pathOf(digest), 0o644);
  await truncate(store.pathOf(digest), 1);
  await assert.rejects(store.executablePathOf(digest), isCode('DATA_LOSS', digest.key));
  await assert.rejects(lstat(store.layout.executablePath(digest)), { code: 'ENOENT' });
  assert.equal(store.stats.executableCopies, 0);
});

test('opening a store where a file blocks the directory is an error naming the directory', async (t) => {
  const dir = await scratch(t);
  await writeFile(join(dir, 'cas'), 'not a directory');
  await assert.rejects(DiskBlobAccess.open({ directory: join(dir, 'cas') }), isCode('INTERNAL', join(dir, 'cas')));
});

// Blobs up to SMALL_FILE_BYTES take direct system calls, larger ones the
// thread pool (file-steps.ts): each behaviour holds on both sides of the line.
for (const [way, size] of [['direct system calls', SMALL_FILE_BYTES], ['the thread pool', SMALL_FILE_BYTES + 1]] as const) {
  const sized = (seed: string): { data: Buffer; digest: Digest } => {
    const data = Buffer.alloc(size, seed);
    return { data, digest: SHA256.compute(data) };
  };

  test(`a ${size}-byte blob (${way}): put and get round-trip, a shortened file is DATA_LOSS and removed, a vanished one NOT_FOUND`, async (t) => {
    const { store } = await openStore(t);
    const { data, digest } = sized('a');
    await store.put(digest, data);
    assert.equal((await stat(store.pathOf(digest))).mode & 0o777, 0o444);
    assert.deepEqual(await store.get(digest), data);
    await chmod(store.pathOf(digest), 0o644);
    await truncate(store.pathOf(digest), size - 1);
    await assert.rejects(store.get(digest), isCode('DATA_LOSS', digest.key, `${size - 1} bytes`));
    assert.ok((await store.findMissing([digest])).has(digest));
    await store.put(digest, data);
    await rm(store.pathOf(digest));
    await assert.rejects(store.get(digest), isCode('NOT_FOUND', digest.key));
    assert.deepEqual(await tempFiles(store), []);
  });

  test(`adoptFile of a ${size}-byte file (${way}) renames a file with one name, copies one with two, and leaves a mismatch in place`, async (t) => {
    const { store, dir } = await openStore(t);
    const single = join(dir, 'single');
    const { data, digest } = sized('b');
    await writeFile(single, data, { mode: 0o755 });
    const inode = (await stat(single)).ino;
    assert.ok((await store.adoptFile(single)).equals(digest));
    assert.equal((await stat(store.pathOf(digest))).ino, inode);
    await assert.rejects(lstat(single), { code: 'ENOENT' });

    const linked = join(dir, 'linked');
    const other = sized('c');
    await writeFile(linked, other.data);
    await link(linked, join(dir, 'other-name'));
    assert.ok((await store.adoptFile(linked)).equals(other.digest));
    assert.notEqual((await stat(store.pathOf(other.digest))).ino, (await stat(join(dir, 'other-name'))).ino);
    assert.equal(store.stats.adoptCopies, 1);

    const mismatch = join(dir, 'mismatch');
    await writeFile(mismatch, sized('d').data, { mode: 0o640 });
    await assert.rejects(store.adoptFile(mismatch, digest), isCode('INVALID_ARGUMENT', mismatch, `expected ${digest}`));
    assert.deepEqual(await readFile(mismatch), sized('d').data);
    assert.equal((await stat(mismatch)).mode & 0o777, 0o640);
    assert.deepEqual(await tempFiles(store), []);
  });
}
