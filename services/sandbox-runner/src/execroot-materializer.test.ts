import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdtemp, readFile, readlink, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { SHA256 } from '@actiond/digest';
import { Directory } from '@actiond/proto';
import { ActiondError, PreconditionFailureDetail } from '@actiond/status';
import * as fs from 'node:fs';
import { ExecrootMaterializer, INPUT_DIRECTORY_MODE } from './execroot-materializer.ts';
import type { LinkFileSystem } from './link-job.ts';
import { SynchronousTreeLinker } from './synchronous-tree-linker.ts';
import type { TreeLinker } from './tree-linker.ts';
import { WorkerPoolTreeLinker } from './worker-pool-tree-linker.ts';
import { BackgroundDirectoryRemover } from './background-directory-remover.ts';
import { SpareExecrootPool } from './spare-execroot-pool.ts';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { InputTreeLoader } from './input-tree-loader.ts';
import { BlobDirectorySource, executable, file, openTestStore, storeDirectory, storeTree, symlink } from './input-fixture.ts';
import type { TestStore } from './input-fixture.ts';

const needsRoot = process.getuid?.() !== 0 ? 'input directories are made root-owned: needs root' : false;

const pool = new WorkerPoolTreeLinker(3);
after(() => pool.close());

/** Every rule about what ends up on disk holds whichever linker made it. */
const LINKERS: readonly (readonly [string, TreeLinker])[] = [
  ['made in place', new SynchronousTreeLinker()],
  ['made on worker threads', pool],
];

async function withStore(fn: (store: TestStore, materializer: ExecrootMaterializer) => Promise<void>, linker?: TreeLinker): Promise<void> {
  const store = await openTestStore();
  try {
    const loader = new InputTreeLoader(new BlobDirectorySource(store.blobs), SHA256);
    await fn(store, new ExecrootMaterializer(loader, store.blobs, SHA256.emptyDigest, linker));
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

for (const [how, linker] of LINKERS) {
  test(`inputs are hard links to the CAS blob files, executables to the 0555 variant, with no bytes copied (${how})`, { skip: needsRoot }, () =>
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
      assert.deepEqual(stats, { filesLinked: 3, bytesLinked: 5 + 18 + 4, filesCopied: 1, bytesCopied: 18, directories: 2, symlinks: 2, reused: false });
    }, linker));
}

for (const [how, linker] of LINKERS) {
  test(`a subtree listed at two places is created at both, and empty files are created rather than linked (${how})`, { skip: needsRoot }, () =>
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
    }, linker));
}

for (const [how, linker] of LINKERS) {
  test(`inputs on another filesystem than the CAS are copied, and counted as copies (${how})`, { skip: needsRoot }, () =>
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
    }, linker));
}

for (const [how, linker] of LINKERS) {
  test(`missing directory and file blobs are one FAILED_PRECONDITION with a MISSING violation per blob (${how})`, { skip: needsRoot }, () =>
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
    }, linker));
}

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

for (const [how, linker] of LINKERS) {
  test(`a blob file that disappeared after an earlier materialization is reported MISSING, not linked from a stale path (${how})`, { skip: needsRoot }, () =>
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
    }, linker));
}

/** `node:fs`, except that `linkSync` fails with `code` for link destinations ending in `suffix`. */
function failingLinks(suffix: string, code: string): LinkFileSystem {
  return {
    ...fs,
    linkSync(existing: string, path: string) {
      if (path.endsWith(suffix)) throw Object.assign(new Error(`${code}: simulated, link '${existing}' -> '${path}'`), { code });
      fs.linkSync(existing, path);
    },
  };
}

test('a tree of hundreds of nested directories made on worker threads is the same as one made in place, links included', { skip: needsRoot }, () =>
  withStore(async (store) => {
    // Fan-out and depth at once: threads wait for parents made by other threads.
    const level = (depth: number, tag: string): Record<string, ReturnType<typeof file> | object> => {
      const node: Record<string, ReturnType<typeof file> | object> = {};
      for (let i = 0; i < 4; i++) node[`f${i}`] = file(`${tag}/${i}`);
      node.empty = file('');
      node.up = symlink(`../${tag}`);
      if (depth > 0) for (let i = 0; i < 4; i++) node[`d${i}`] = level(depth - 1, `${tag}/${i}`);
      return node;
    };
    const root = await storeTree(store.blobs, level(4, 'r') as Parameters<typeof storeTree>[1]);
    const loader = new InputTreeLoader(new BlobDirectorySource(store.blobs), SHA256);
    const inPlace = await new ExecrootMaterializer(loader, store.blobs, SHA256.emptyDigest, new SynchronousTreeLinker()).materialize(root, join(store.root, 'a'));
    const threaded = await new ExecrootMaterializer(loader, store.blobs, SHA256.emptyDigest, pool).materialize(root, join(store.root, 'b'));
    assert.deepEqual(threaded, inPlace);
    assert.equal(threaded.directories, 1 + 4 + 16 + 64 + 256);
    const listing = async (dir: string): Promise<string[]> => {
      const out: string[] = [];
      for (const entry of (await readdir(dir, { recursive: true })).sort()) {
        const info = await lstat(join(dir, entry));
        out.push(`${entry} ${(info.mode & 0o7777).toString(8)} ${info.isFile() && info.size > 0 ? info.ino : info.isSymbolicLink() ? await readlink(join(dir, entry)) : info.size}`);
      }
      return out;
    };
    assert.deepEqual(await listing(join(store.root, 'b')), await listing(join(store.root, 'a')));
  }));

for (const [how, makeLinker] of [
  ['made in place', (f: LinkFileSystem) => new SynchronousTreeLinker(f)],
] as const) {
  test(`a link refused with EMLINK is copied, and the copy counted with its bytes (${how})`, { skip: needsRoot }, () =>
    withStore(async (store, materializer) => {
      const root = await storeTree(store.blobs, { 'a.txt': file('linked'), sub: { 'full.txt': file('too many links') } });
      const target = join(store.root, 'execroot');
      const stats = await materializer.materialize(root, target);
      assert.equal(await readFile(join(target, 'sub/full.txt'), 'utf8'), 'too many links');
      assert.equal((await lstat(join(target, 'sub/full.txt'))).nlink, 1);
      assert.equal((await lstat(join(target, 'sub/full.txt'))).mode & 0o7777, 0o444);
      assert.deepEqual([stats.filesLinked, stats.bytesLinked, stats.filesCopied, stats.bytesCopied], [1, 6, 1, 14]);
    }, makeLinker(failingLinks('/full.txt', 'EMLINK'))));

  test(`a full disk is RESOURCE_EXHAUSTED and another link error INTERNAL, each naming the input (${how})`, { skip: needsRoot }, async () => {
    for (const [errno, expected] of [['ENOSPC', status.RESOURCE_EXHAUSTED], ['EIO', status.INTERNAL]] as const) {
      await withStore(async (store, materializer) => {
        const root = await storeTree(store.blobs, { 'a.txt': file('a'), sub: { 'b.txt': file('b') } });
        await assert.rejects(materializer.materialize(root, join(store.root, 'execroot')), code(expected, new RegExp(`creating input "sub/b.txt": ${errno}: simulated`)));
      }, makeLinker(failingLinks('/sub/b.txt', errno)));
    }
  });
}

test('a directory that cannot be created is an error naming it, and nothing below it is made', { skip: needsRoot }, () =>
  withStore(async (store, materializer) => {
    const root = await storeTree(store.blobs, { sub: { deeper: { 'x.txt': file('x') } } });
    const target = join(store.root, 'execroot');
    await assert.rejects(materializer.materialize(root, target), code(status.INTERNAL, /creating input "sub": EPERM: simulated/));
    assert.deepEqual(await readdir(target), []);
  }, new SynchronousTreeLinker({
    ...fs,
    mkdirSync(path: string, mode: number) {
      if (path.endsWith('/sub')) throw Object.assign(new Error('EPERM: simulated'), { code: 'EPERM' });
      return fs.mkdirSync(path, mode);
    },
  })));

test('with a pool shared with the remover, a finished execroot is cleaned, kept and renamed into place for the same input root', { skip: needsRoot }, () =>
  withStore(async (store) => {
    const pool = new SpareExecrootPool();
    const errors: unknown[] = [];
    const remover = new BackgroundDirectoryRemover((err) => errors.push(err), pool);
    const loader = new InputTreeLoader(new BlobDirectorySource(store.blobs), SHA256);
    const materializer = new ExecrootMaterializer(loader, store.blobs, SHA256.emptyDigest, new SynchronousTreeLinker(), pool);
    const root = await storeTree(store.blobs, { 'a.txt': file('kept'), sub: { 'b.txt': file('also kept') } });
    const other = await storeTree(store.blobs, { 'c.txt': file('other root') });

    const first = join(store.root, 'first');
    assert.equal((await materializer.materialize(root, first)).reused, false);
    await writeFile(join(first, 'sub/output'), 'made by the action');
    remover.remove(first);
    await remover.settled();
    assert.ok(existsSync(first), 'kept as a spare');

    assert.equal((await materializer.materialize(other, join(store.root, 'other'))).reused, false, 'another root does not take it');
    const second = join(store.root, 'second');
    const stats = await materializer.materialize(root, second);
    assert.deepEqual(stats, { filesLinked: 2, bytesLinked: 4 + 9, filesCopied: 0, bytesCopied: 0, directories: 2, symlinks: 0, reused: true });
    assert.equal(existsSync(first), false);
    assert.deepEqual((await readdir(join(second, 'sub'))).sort(), ['b.txt']);
    assert.equal((await lstat(join(second, 'a.txt'))).ino, (await lstat(store.blobs.pathOf(SHA256.compute(Buffer.from('kept'))))).ino);

    // drain() leaves nothing, kept trees included.
    remover.remove(second);
    await remover.drain();
    assert.equal(existsSync(second), false);
    assert.equal((await materializer.materialize(root, second)).reused, false);

    // Kept again, then the blob file is replaced in the CAS (damaged, removed, uploaded again: another
    // inode): the kept tree still links the old one, so it is not reused.
    remover.remove(second);
    await remover.settled();
    assert.ok(existsSync(second));
    const blobPath = store.blobs.pathOf(SHA256.compute(Buffer.from('kept')));
    await rm(blobPath);
    await writeFile(blobPath, 'kept', { mode: 0o444 });
    const third = join(store.root, 'third');
    assert.equal((await materializer.materialize(root, third)).reused, false);
    assert.equal((await lstat(join(third, 'a.txt'))).ino, (await lstat(blobPath)).ino);
    assert.deepEqual(errors, []);
  }));

test('with a pool, a kept tree that an action changed is removed instead of reused', { skip: needsRoot }, () =>
  withStore(async (store) => {
    const pool = new SpareExecrootPool();
    const remover = new BackgroundDirectoryRemover(undefined, pool);
    const loader = new InputTreeLoader(new BlobDirectorySource(store.blobs), SHA256);
    const materializer = new ExecrootMaterializer(loader, store.blobs, SHA256.emptyDigest, new SynchronousTreeLinker(), pool);
    const root = await storeTree(store.blobs, { 'a.txt': file('x') });
    const first = join(store.root, 'first');
    await materializer.materialize(root, first);
    await rm(join(first, 'a.txt'));
    remover.remove(first);
    await remover.settled();
    assert.equal(existsSync(first), false, 'removed by the check, not kept');
    const stats = await materializer.materialize(root, join(store.root, 'second'));
    assert.equal(stats.reused, false);
    assert.equal(await readFile(join(store.root, 'second/a.txt'), 'utf8'), 'x');
  }));
