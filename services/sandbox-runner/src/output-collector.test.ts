import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { link, lstat, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { SHA256 } from '@actiond/digest';
import { Command, Command_OutputDirectoryFormat, Directory, Tree } from '@actiond/proto';
import { ActiondError } from '@actiond/status';
import { parseDeclaredOutputs } from './declared-outputs.ts';
import { digestOf, openTestStore } from './input-fixture.ts';
import type { TestStore } from './input-fixture.ts';
import { OutputCollector } from './output-collector.ts';

async function withWorkdir(fn: (store: TestStore, workdir: string) => Promise<void>): Promise<void> {
  const store = await openTestStore();
  const workdir = join(store.root, 'work');
  await mkdir(workdir);
  try {
    await fn(store, workdir);
  } finally {
    await store.dispose();
  }
}

const collect = (store: TestStore, workdir: string, command: Partial<Command>) =>
  new OutputCollector(store.blobs).collect(workdir, parseDeclaredOutputs(Command.fromPartial(command)), command.outputDirectoryFormat);

function failed(pattern: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ActiondError, String(err));
    assert.equal(err.code, status.FAILED_PRECONDITION);
    assert.match(err.message, pattern);
    return true;
  };
}

test('an output file is moved into the CAS with its digest and executable bit; a missing output is simply absent', () =>
  withWorkdir(async (store, workdir) => {
    await mkdir(join(workdir, 'bin'));
    await writeFile(join(workdir, 'bin/tool'), '#!/bin/sh\n', { mode: 0o755 });
    await writeFile(join(workdir, 'data.txt'), 'data');
    const result = await collect(store, workdir, { outputFiles: ['bin/tool', 'data.txt', 'never/made'] });
    assert.deepEqual(result.outputFiles.map((f) => [f.path, f.isExecutable, f.digest]), [
      ['bin/tool', true, { hash: SHA256.compute(Buffer.from('#!/bin/sh\n')).hash, sizeBytes: 10 }],
      ['data.txt', false, { hash: SHA256.compute(Buffer.from('data')).hash, sizeBytes: 4 }],
    ]);
    assert.equal(existsSync(join(workdir, 'data.txt')), false, 'moved, not copied');
    assert.equal(await readFile(store.blobs.pathOf(digestOf(result.outputFiles[1]!.digest)), 'utf8'), 'data');
    assert.deepEqual([result.files, result.bytes], [2, 14]);
  }));

test('an output directory becomes a canonical Tree: entries sorted by UTF-8 bytes, each distinct child once, parents first', () =>
  withWorkdir(async (store, workdir) => {
    const dir = join(workdir, 'out');
    // "\u{1F600}" sorts after "\uFB00" in UTF-8 but before it in UTF-16 code units.
    await mkdir(dir);
    for (const name of ['b', 'a', '\u{1F600}', '\uFB00']) await writeFile(join(dir, name), name);
    for (const twin of ['x', 'y']) {
      await mkdir(join(dir, twin, 'inner'), { recursive: true });
      await writeFile(join(dir, twin, 'inner', 'same'), 'same');
    }
    await symlink('/etc/passwd', join(dir, 'abs-link'));
    const result = await collect(store, workdir, { outputDirectories: ['out'] });
    assert.equal(result.outputDirectories.length, 1);
    const { treeDigest, isTopologicallySorted, path } = result.outputDirectories[0]!;
    assert.equal(path, 'out');
    assert.equal(isTopologicallySorted, true);
    const tree = Tree.decode(await store.blobs.get(digestOf(treeDigest)));
    assert.deepEqual(tree.root!.files.map((f) => f.name), ['a', 'b', '\uFB00', '\u{1F600}']);
    assert.deepEqual(tree.root!.directories.map((d) => d.name), ['x', 'y']);
    assert.deepEqual(tree.root!.symlinks, [{ name: 'abs-link', target: '/etc/passwd', nodeProperties: undefined }]);
    // x and y are the same Directory; it and its "inner" child appear once each, parents first.
    assert.equal(tree.children.length, 2);
    const encoded = (d: Directory) => SHA256.compute(Directory.encode(d).finish());
    assert.deepEqual(digestOf(tree.root!.directories[0]!.digest), encoded(tree.children[0]!));
    assert.deepEqual(digestOf(tree.children[0]!.directories[0]!.digest), encoded(tree.children[1]!));
    // Re-encoding what was decoded gives the same bytes: the messages are canonical.
    assert.deepEqual(Buffer.from(Tree.encode(tree).finish()), await store.blobs.get(digestOf(treeDigest)));
  }));

test('TREE_AND_DIRECTORY clients also get the root Directory digest, with every Directory stored', () =>
  withWorkdir(async (store, workdir) => {
    await mkdir(join(workdir, 'out/sub'), { recursive: true });
    await writeFile(join(workdir, 'out/sub/f'), 'f');
    const result = await collect(store, workdir, { outputPaths: ['out'], outputDirectoryFormat: Command_OutputDirectoryFormat.TREE_AND_DIRECTORY });
    const root = Directory.decode(await store.blobs.get(digestOf(result.outputDirectories[0]!.rootDirectoryDigest)));
    const sub = Directory.decode(await store.blobs.get(digestOf(root.directories[0]!.digest)));
    assert.equal(sub.files[0]!.name, 'f');
    assert.ok(result.outputDirectories[0]!.treeDigest !== undefined);
  }));

test('output symlinks are stored as symlinks, never followed: output_symlinks for output_paths, the legacy fields otherwise', () =>
  withWorkdir(async (store, workdir) => {
    await symlink('/etc/passwd', join(workdir, 'passwd'));
    await symlink('../somewhere', join(workdir, 'dirlink'));
    const modern = await collect(store, workdir, { outputPaths: ['passwd', 'dirlink'] });
    assert.deepEqual(modern.outputSymlinks.map((s) => [s.path, s.target]), [['passwd', '/etc/passwd'], ['dirlink', '../somewhere']]);
    assert.deepEqual([modern.outputFiles, modern.outputFileSymlinks, modern.outputDirectorySymlinks], [[], [], []]);
    const legacy = await collect(store, workdir, { outputFiles: ['passwd'], outputDirectories: ['dirlink'] });
    assert.deepEqual(legacy.outputFileSymlinks.map((s) => [s.path, s.target]), [['passwd', '/etc/passwd']]);
    assert.deepEqual(legacy.outputDirectorySymlinks.map((s) => [s.path, s.target]), [['dirlink', '../somewhere']]);
    assert.deepEqual(legacy.outputSymlinks, []);
  }));

test('a declared output file that is a directory, or a declared directory that is a file, is FAILED_PRECONDITION', () =>
  withWorkdir(async (store, workdir) => {
    await mkdir(join(workdir, 'isdir'));
    await writeFile(join(workdir, 'isfile'), '');
    await assert.rejects(collect(store, workdir, { outputFiles: ['isdir'] }), failed(/output file "isdir" is a directory/));
    await assert.rejects(collect(store, workdir, { outputDirectories: ['isfile'] }), failed(/output directory "isfile" is a regular file/));
    // With output_paths either is fine.
    const any = await collect(store, workdir, { outputPaths: ['isdir', 'isfile'] });
    assert.deepEqual([any.outputDirectories.length, any.outputFiles.length], [1, 1]);
  }));

test('a FIFO among the outputs, and an output below a file, are FAILED_PRECONDITION naming the path', () =>
  withWorkdir(async (store, workdir) => {
    await mkdir(join(workdir, 'out'));
    execFileSync('mkfifo', [join(workdir, 'out/pipe')]);
    await assert.rejects(collect(store, workdir, { outputDirectories: ['out'] }), failed(/output "out\/pipe" is neither a regular file, a directory nor a symlink/));
    await writeFile(join(workdir, 'plain'), '');
    await assert.rejects(collect(store, workdir, { outputFiles: ['plain/x'] }), failed(/output "plain\/x": its parent "plain" is not a directory/));
  }));

test('outputs that share parents are each collected, and a parent that is a symlink is not followed, for every output below it', () =>
  withWorkdir(async (store, workdir) => {
    await mkdir(join(workdir, 'bazel-out/k8/bin'), { recursive: true });
    for (const name of ['a', 'b', 'c']) await writeFile(join(workdir, 'bazel-out/k8/bin', name), name);
    const shared = await collect(store, workdir, { outputFiles: ['bazel-out/k8/bin/a', 'bazel-out/k8/bin/b', 'bazel-out/k8/bin/c', 'bazel-out/k8/bin/none'] });
    assert.deepEqual(shared.outputFiles.map((f) => [f.path, f.digest?.sizeBytes]), [['bazel-out/k8/bin/a', 1], ['bazel-out/k8/bin/b', 1], ['bazel-out/k8/bin/c', 1]]);
    await symlink('bazel-out', join(workdir, 'linked'));
    await writeFile(join(workdir, 'bazel-out/d'), 'd');
    await assert.rejects(collect(store, workdir, { outputFiles: ['bazel-out/d', 'linked/d'] }), failed(/output "linked\/d": its parent "linked" is not a directory/));
  }));

test('an output that is a hard link to a CAS blob (an input) is copied: the blob file keeps its inode, mode and bytes', () =>
  withWorkdir(async (store, workdir) => {
    const digest = SHA256.compute(Buffer.from('input bytes'));
    await store.blobs.put(digest, Buffer.from('input bytes'));
    const blob = store.blobs.pathOf(digest);
    const before = await lstat(blob);
    await link(blob, join(workdir, 'out'));
    const result = await collect(store, workdir, { outputFiles: ['out'] });
    assert.deepEqual(result.outputFiles[0]!.digest, { hash: digest.hash, sizeBytes: digest.sizeBytes });
    const after = await lstat(blob);
    assert.deepEqual([after.ino, after.mode, after.uid, after.nlink], [before.ino, before.mode, before.uid, before.nlink]);
    assert.equal(await readFile(blob, 'utf8'), 'input bytes');
    assert.equal(existsSync(join(workdir, 'out')), false);
  }));
