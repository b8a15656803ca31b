import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fixPackageBuildFiles, setListAttribute } from './build-file-fixer.ts';
import { buildifierBinary, formatStarlark, lintStarlark } from './buildifier-lint.ts';
import { checkBazelConsistency } from './pnpm-bazel-consistency.ts';

const REPO = join(import.meta.dirname, '../../..');

test('setListAttribute replaces, adds and removes a list attribute, keeping comments and other attributes', () => {
  const text = `load("//bazel:actiond_ts_package.bzl", "actiond_ts_package")

actiond_ts_package(
    name = "a",
    # Why the data is there.
    data = [":x"],
    deps = ["old"],
)
`;
  const replaced = setListAttribute(text, 'deps', ['zod', '@actiond/b']);
  assert.match(replaced, /# Why the data is there\.\n {4}data = \[":x"\],\n {4}deps = \[\n {8}"zod",\n {8}"@actiond\/b",\n {4}\],\n\)\n$/);
  assert.match(setListAttribute(text, 'test_deps', ['t']), /deps = \["old"\],\n {4}test_deps = \["t"\],\n\)\n$/);
  assert.doesNotMatch(setListAttribute(text, 'deps', []), /deps/);
  assert.equal(setListAttribute('actiond_ts_package(name = "b")\n', 'deps', ['x']), 'actiond_ts_package(\n    name = "b",\n    deps = ["x"],\n)\n');
});

test('--fix creates missing BUILD files and sets deps and test_deps so that the check passes', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'actiond-bazel-fix-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const write = (path: string, text: string): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write('bazel/actiond_ts_package.bzl', readFileSync(join(REPO, 'bazel/actiond_ts_package.bzl'), 'utf8'));
  write('pnpm-workspace.yaml', 'packages:\n  - libs/*\n');
  write('package.json', JSON.stringify({ scripts: { test: "node --test 'libs/*/src/**/*.test.ts'" }, devDependencies: { node: '24.21.0' } }));
  write('tsconfig.json', JSON.stringify({ include: ['libs/*/src/**/*.ts'] }));
  write('MODULE.bazel', 'NODE_VERSION = "24.21.0"\n');
  write('.bazelignore', 'node_modules\nlibs/a/node_modules');
  write('.bazelrc', '');
  write('runtimes/runtimes.lock.json', JSON.stringify({ runtimes: [{ name: 'glibc2.36' }] }));
  write('platforms/BUILD.bazel', 'actiond_execution_platforms(\n    name = "actiond",\n    default_runtime = "glibc2.36",\n    runtimes = [],\n)\n');
  write('libs/a/package.json', JSON.stringify({ name: '@actiond/a', dependencies: { zod: '4.6.7', '@actiond/b': 'workspace:*' }, devDependencies: { dev: '1.0.0' } }));
  write('libs/a/src/index.ts', "import { z } from 'zod';\nimport { b } from '@actiond/b';\nexport const a = [z, b];\n");
  write('libs/a/src/index.test.ts', "import { dev } from 'dev';\nvoid dev;\n");
  write('libs/a/BUILD.bazel', 'load("//bazel:actiond_ts_package.bzl", "actiond_ts_package")\n\nactiond_ts_package(\n    name = "a",\n    # Kept.\n    test_tags = ["manual"],\n    deps = ["unused"],\n)\n');
  write('libs/b/package.json', JSON.stringify({ name: '@actiond/b' }));
  write('libs/b/src/index.ts', 'export const b = 1;\n');
  assert.ok(checkBazelConsistency(root).length > 0);

  assert.deepEqual(fixPackageBuildFiles(root), ['.bazelignore', 'libs/a/BUILD.bazel', 'libs/b/BUILD.bazel']);
  assert.equal(readFileSync(join(root, '.bazelignore'), 'utf8'), 'node_modules\nlibs/a/node_modules\nlibs/b/node_modules\n');
  formatStarlark(buildifierBinary(REPO), root, ['libs/a/BUILD.bazel', 'libs/b/BUILD.bazel']);
  assert.deepEqual(checkBazelConsistency(root), []);
  assert.deepEqual(lintStarlark(buildifierBinary(REPO), root, ['libs/a/BUILD.bazel', 'libs/b/BUILD.bazel']), []);
  assert.match(readFileSync(join(root, 'libs/a/BUILD.bazel'), 'utf8'), /# Kept\.\n {4}test_tags = \["manual"\],/);
  assert.deepEqual(fixPackageBuildFiles(root), [], 'a second run changes nothing');
});
