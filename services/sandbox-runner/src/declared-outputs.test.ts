import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { Command } from '@actiond/proto';
import { ActiondError } from '@actiond/status';
import { createOutputParents, parseDeclaredOutputs } from './declared-outputs.ts';

function rejects(code: status, pattern: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ActiondError, String(err));
    assert.equal(err.codeName, status[code]);
    assert.match(err.message, pattern);
    return true;
  };
}

test('output_paths, when set, replace the legacy output_files and output_directories', () => {
  const declared = parseDeclaredOutputs(Command.fromPartial({ outputPaths: ['a/out', 'gen'], outputFiles: ['ignored'], workingDirectory: 'pkg' }));
  assert.equal(declared.usesOutputPaths, true);
  assert.deepEqual(declared.outputs, [
    { path: 'a/out', segments: ['a', 'out'], kind: 'any' },
    { path: 'gen', segments: ['gen'], kind: 'any' },
  ]);
  assert.deepEqual(declared.workingDirectory, ['pkg']);
  const legacy = parseDeclaredOutputs(Command.fromPartial({ outputFiles: ['f'], outputDirectories: ['', 'd'] }));
  assert.equal(legacy.usesOutputPaths, false);
  assert.deepEqual(legacy.outputs.map((o) => `${o.kind}:${o.path}`), ['file:f', 'directory:', 'directory:d']);
});

test('output paths that leave the working directory, are absolute or have empty segments are INVALID_ARGUMENT naming them', () => {
  const cases: [Partial<Command>, RegExp][] = [
    [{ outputFiles: ['../escape'] }, /output file "\.\.\/escape" has a "\.\." segment/],
    [{ outputPaths: ['a/../../b'] }, /output path "a\/\.\.\/\.\.\/b" has a "\.\." segment/],
    [{ outputDirectories: ['/abs'] }, /output directory "\/abs" is absolute/],
    [{ outputPaths: ['a//b'] }, /output path "a\/\/b" has an empty segment/],
    [{ outputFiles: [''] }, /output file "" is empty/],
    [{ workingDirectory: '../up' }, /working directory "\.\.\/up" has a "\.\." segment/],
    [{ outputFiles: ['x', 'x'] }, /output file "x" is declared more than once/],
    [{ outputFiles: ['x'], outputDirectories: ['x/y'] }, /output file "x" is a parent of output "x\/y"/],
  ];
  for (const [command, pattern] of cases) {
    assert.throws(() => parseDeclaredOutputs(Command.fromPartial(command)), rejects(status.INVALID_ARGUMENT, pattern), JSON.stringify(command));
  }
});

const skip = process.getuid?.() !== 0 ? 'output parents are made root-owned: needs root' : false;

async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'declared-outputs-'));
  try {
    await chmod(root, 0o1777);
    await fn(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test('the working directory and the parents of outputs are created root-owned 1777; output directories themselves are not', { skip }, () =>
  withRoot(async (root) => {
    await mkdir(join(root, 'pkg'));
    createOutputParents(root, parseDeclaredOutputs(Command.fromPartial({
      workingDirectory: 'pkg/sub',
      outputFiles: ['bin/tool'],
      outputDirectories: ['gen/tree'],
    })));
    for (const dir of ['pkg/sub', 'pkg/sub/bin', 'pkg/sub/gen']) {
      const info = await lstat(join(root, dir));
      assert.ok(info.isDirectory(), dir);
      assert.equal(info.mode & 0o7777, 0o1777, dir);
      assert.equal(info.uid, 0, dir);
    }
    assert.deepEqual((await readdir(join(root, 'pkg/sub/gen'))), []);
  }));

test('an output whose parent is an input symlink is FAILED_PRECONDITION, and nothing is created through the link', { skip }, () =>
  withRoot(async (root) => {
    const outside = await mkdtemp(join(tmpdir(), 'outside-'));
    try {
      await symlink(outside, join(root, 'link'));
      assert.throws(
        () => createOutputParents(root, parseDeclaredOutputs(Command.fromPartial({ outputFiles: ['link/sub/out'] }))),
        rejects(status.FAILED_PRECONDITION, /output "link\/sub\/out": input "link" is a symlink, which is not followed/),
      );
      assert.deepEqual(await readdir(outside), []);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  }));
