import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdtemp, readFile, readlink, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { SHA256 } from '@actiond/digest';
import { Directory } from '@actiond/proto';
import { ActiondError, PreconditionFailureDetail } from '@actiond/status';
import { ExecrootMaterializer, INPUT_DIRECTORY_MODE } from './execroot-materializer.ts';
import { InputTreeLoader } from './input-tree-loader.ts';
import { BlobDirectorySource, executable, file, openTestStore, storeDirectory, storeTree, symlink } from './input-fixture.ts';
import type { TestStore } from './input-fixture.ts';

const needsRoot = process.getuid?.() !== 0 ? 'input directories are made root-owned: needs root' : false;

async function withStore(fn: (store: TestStore, materializer: ExecrootMaterializer) => Promise<void>): Promise<void> {
  const store = await openTestStore();
  try {
    const loader = new InputTreeLoader(new BlobDirectorySource(store.blobs), SHA256);
    await fn(store, new ExecrootMaterializer(loader, store.blobs, SHA256.emptyDigest));
  } finally {
    await store.dispose();
  }
}

function code(expected: status, pattern: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ActiondError, `not an ActiondError: ${String(err)}`);
    assert.equal(err.codeName, status[expected], err.message);
    assert.match(err.message, pattern);
    return true;
  };
}

test('inputs are hard links to the CAS blob files, executables to the 0555 variant, with no bytes copied', { skip: needsRoot }, () =>
  withStore(async (store, materializer) => {
    const root = await storeTree(store.blobs, {
      'a.txt': file('alpha'),
      tool: executable('#!/bin/sh\necho hi\n'),
      sub: { 'b.txt': file('beta'), link: symlink('../a.txt'), abs: symlink('/etc/passwd') },
    });
    const target = join(store.root, 'execroot');
    const stats = await materializer.materialize(root, target);

    const a = await lstat(join(target, 'a.txt'));
    const blobA = await lstat(store.blobs.pathOf(SHA256.compute(Buffer.from('alpha'))));
    assert.equal(a.ino, blobA.ino);
    assert.equal(a.mode & 0o7777, 0o444);
    assert.equal(a.uid, 0);
    const tool = await lstat(join(target, 'tool'));
    assert.equal(tool.mode & 0o7777, 0o555);
    const toolBlob = await store.blobs.executablePathOf(SHA256.compute(Buffer.from('#!/bin/sh\necho hi\n')));
    assert.equal(tool.ino, (await lstat(toolBlob.path)).ino);
    assert.equal(await readFile(join(target, 'sub/b.txt'), 'utf8'), 'beta');
    assert.equal(await readlink(join(target, 'sub/link')), '../a.txt');
    assert.equal(await readlink(join(target, 'sub/abs')), '/etc/passwd');
    for (const dir of ['', 'sub']) {
      const info = await lstat(join(target, dir));
      assert.equal(info.mode & 0o7777, INPUT_DIRECTORY_MODE, `mode of "${dir}"`);
      assert.equal(info.uid, 0);
    }
    // The executable variant had to be made once, by copying: that is counted.
    assert.deepEqual(stats, { filesLinked: 3, bytesLinked: 5 + 18 + 4, filesCopied: 1, bytesCopied: 18, directories: 2, symlinks: 2 });
  }));

test('a subtree listed at two places is created at both, and empty files are created rather than linked', { skip: needsRoot }, () =>
  withStore(async (store, materializer) => {
    const shared = { 'x.txt': file('x'), 'empty': file('') };
    const root = await storeTree(store.blobs, { one: shared, two: { deeper: shared } });
    const target = join(store.root, 'execroot');
    const stats = await materializer.materialize(root, target);
    for (const dir of ['one', 'two/deeper']) {
      assert.deepEqual((await readdir(join(target, dir))).sort(), ['empty', 'x.txt']);
      const empty = await lstat(join(target, dir, 'empty'));
      assert.equal(empty.size, 0);
      assert.equal(empty.nlink, 1);
      assert.equal(empty.mode & 0o7777, 0o444);
    }
    assert.equal(stats.filesLinked, 4);
    assert.equal(stats.bytesLinked, 2);
    assert.equal(stats.directories, 4);
  }));

test('inputs on another filesystem than the CAS are copied, and counted as copies', { skip: needsRoot }, () =>
  withStore(async (store, materializer) => {
    const root = await storeTree(store.blobs, { 'a.txt': file('across filesystems') });
    const elsewhere = await mkdtemp('/dev/shm/sandbox-runner-test-');
    try {
      if ((await lstat(elsewhere)).dev === (await lstat(store.root)).dev) return; // one filesystem here: nothing to test
      const stats = await materializer.materialize(root, join(elsewhere, 'execroot'));
      assert.equal(await readFile(join(elsewhere, 'execroot/a.txt'), 'utf8'), 'across filesystems');
      assert.equal((await lstat(join(elsewhere, 'execroot/a.txt'))).mode & 0o7777, 0o444);
      assert.deepEqual([stats.filesLinked, stats.filesCopied, stats.bytesCopied], [0, 1, 18]);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  }));

test('missing directory and file blobs are one FAILED_PRECONDITION with a MISSING violation per blob', { skip: needsRoot }, () =>
  withStore(async (store, materializer) => {
    const absentFile = SHA256.compute(Buffer.from('never uploaded'));
    const absentDir = SHA256.compute(Buffer.from('no such directory'));
    const root = await storeDirectory(store.blobs, Directory.fromPartial({
      files: [{ name: 'f', digest: absentFile }],
      directories: [{ name: 'd', digest: absentDir }],
    }));
    await assert.rejects(materializer.materialize(root, join(store.root, 'execroot')), (err: unknown) => {
      assert.ok(err instanceof ActiondError);
      assert.equal(err.code, status.FAILED_PRECONDITION);
      const subjects = err.findDetails(PreconditionFailureDetail).flatMap((d) => d.violations.map((v) => `${v.type} ${v.subject}`));
      assert.deepEqual(subjects.sort(), [`MISSING blobs/${absentDir.hash}/${absentDir.sizeBytes}`, `MISSING blobs/${absentFile.hash}/${absentFile.sizeBytes}`].sort());
      return true;
    });
  }));

test('a missing input root is FAILED_PRECONDITION naming it', { skip: needsRoot }, () =>
  withStore(async (_store, materializer) => {
    const root = SHA256.compute(Buffer.from('no root'));
    await assert.rejects(materializer.materialize(root, join(_store.root, 'execroot')), code(status.FAILED_PRECONDITION, new RegExp(root.hash)));
  }));

for (const [name, problem] of [
  ['..', /"\.\." in input directory "sub": a name is "\.\."/],
  ['.', /a name is "\."/],
  ['a/b', /"a\/b" in input directory "sub": a name contains "\/"/],
  ['', /"" in input directory "sub": a name is empty/],
  ['nul\0', /a name contains a NUL byte/],
] as const) {
  test(`an input named ${JSON.stringify(name)} is INVALID_ARGUMENT naming its directory`, { skip: needsRoot }, () =>
    withStore(async (store, materializer) => {
      const content = SHA256.compute(Buffer.from('x'));
      await store.blobs.put(content, Buffer.from('x'));
      const sub = await storeDirectory(store.blobs, Directory.fromPartial({ files: [{ name, digest: content }] }));
      const root = await storeDirectory(store.blobs, Directory.fromPartial({ directories: [{ name: 'sub', digest: sub }] }));
      await assert.rejects(materializer.materialize(root, join(store.root, 'execroot')), code(status.INVALID_ARGUMENT, problem));
    }));
}

test('a name listed twice in one directory, even as different kinds, is INVALID_ARGUMENT naming the path', { skip: needsRoot }, () =>
  withStore(async (store, materializer) => {
    const content = SHA256.compute(Buffer.from('x'));
    await store.blobs.put(content, Buffer.from('x'));
    const root = await storeDirectory(store.blobs, Directory.fromPartial({
      files: [{ name: 'same', digest: content }],
      symlinks: [{ name: 'same', target: 'x' }],
    }));
    await assert.rejects(materializer.materialize(root, join(store.root, 'execroot')), code(status.INVALID_ARGUMENT, /input "same" is listed more than once/));
  }));

test('a file without a digest or with a malformed one, and a symlink without a target, are INVALID_ARGUMENT naming the path', { skip: needsRoot }, () =>
  withStore(async (store, materializer) => {
    const cases: [Directory, RegExp][] = [
      [Directory.fromPartial({ files: [{ name: 'f' }] }), /input file "f" has no digest/],
      [Directory.fromPartial({ files: [{ name: 'f', digest: { hash: 'XYZ', sizeBytes: 1 } }] }), /input file "f" has a malformed digest/],
      [Directory.fromPartial({ symlinks: [{ name: 's', target: '' }] }), /input symlink "s" has an empty target/],
    ];
    for (const [directory, problem] of cases) {
      const root = await storeDirectory(store.blobs, directory);
      await assert.rejects(materializer.materialize(root, join(store.root, `execroot-${root.hash}`)), code(status.INVALID_ARGUMENT, problem));
    }
  }));

test('a blob file that disappeared after an earlier materialization is reported MISSING, not linked from a stale path', { skip: needsRoot }, () =>
  withStore(async (store, materializer) => {
    const root = await storeTree(store.blobs, { 'a.txt': file('soon gone') });
    await materializer.materialize(root, join(store.root, 'first'));
    const digest = SHA256.compute(Buffer.from('soon gone'));
    await rm(store.blobs.pathOf(digest));
    await assert.rejects(materializer.materialize(root, join(store.root, 'second')), (err: unknown) => {
      assert.ok(err instanceof ActiondError);
      assert.equal(err.code, status.FAILED_PRECONDITION);
      const subjects = err.findDetails(PreconditionFailureDetail).flatMap((d) => d.violations.map((v) => v.subject));
      assert.deepEqual(subjects, [`blobs/${digest.hash}/${digest.sizeBytes}`]);
      return true;
    });
  }));
