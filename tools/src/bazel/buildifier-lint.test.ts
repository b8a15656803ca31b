import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildifierBinary, findStarlarkFiles, lintStarlark } from './buildifier-lint.ts';

const REPO = join(import.meta.dirname, '../../..');

test('every Starlark file of the repository is formatted and free of buildifier warnings', () => {
  const files = findStarlarkFiles(REPO);
  for (const required of ['MODULE.bazel', 'BUILD.bazel', 'bazel/actiond_ts_package.bzl', 'bazel/debian_packages.bzl', 'platforms/BUILD.bazel']) {
    assert.ok(files.includes(required), `${required} is not among the linted files`);
  }
  const problems = lintStarlark(buildifierBinary(REPO), REPO, files);
  assert.deepEqual(problems.map((p) => `${p.file}:${p.line ?? ''} [${p.category}] ${p.message}`), [], 'run `pnpm lint:bazel` for the list');
});

test('unformatted files, lint warnings and syntax errors are each reported with file and line', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'actiond-buildifier-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'a'));
  writeFileSync(join(root, 'a/BUILD.bazel'), 'load(":x.bzl", "unused")\n\nfilegroup(name="x", srcs=["y"])\n');
  writeFileSync(join(root, 'broken.bzl'), 'def f(:\n');
  writeFileSync(join(root, 'clean.bzl'), '"""Clean."""\n\nX = 1\n');
  mkdirSync(join(root, 'node_modules/p'), { recursive: true });
  writeFileSync(join(root, 'node_modules/p/BUILD'), 'not starlark at all (\n');
  const files = findStarlarkFiles(root);
  assert.deepEqual(files, ['a/BUILD.bazel', 'broken.bzl', 'clean.bzl']);
  const problems = lintStarlark(buildifierBinary(REPO), root, files);
  assert.deepEqual(
    problems.map((p) => [p.file, p.line, p.category]),
    [
      ['a/BUILD.bazel', undefined, 'format'],
      ['a/BUILD.bazel', 1, 'load'],
      ['broken.bzl', undefined, 'syntax'],
    ],
  );
});

test('a platform @bazel/buildifier ships no binary for is named in the error', () => {
  assert.throws(() => buildifierBinary(REPO, 'win32', 'x64'), /ships no binary for win32\/x64/);
});
