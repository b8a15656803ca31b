import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { buildifierBinary, lintStarlark } from './buildifier-lint.ts';
import { checkBazelConsistency } from './pnpm-bazel-consistency.ts';
import type { Finding } from './pnpm-bazel-consistency.ts';

const REPO = join(import.meta.dirname, '../../..');

/**
 * A small workspace whose Bazel graph matches it: libs/a (imports @actiond/b
 * and zod; its test also imports node-only-dev) and libs/b (no imports), with
 * the real macro file and every root file the check reads.
 */
function fixture(t: { after: (fn: () => void) => void }): { root: string; write: (path: string, text: string) => void; findings: () => Finding[] } {
  const root = mkdtempSync(join(tmpdir(), 'actiond-bazel-fixture-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const write = (path: string, text: string): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  mkdirSync(join(root, 'bazel'));
  cpSync(join(REPO, 'bazel/actiond_ts_package.bzl'), join(root, 'bazel/actiond_ts_package.bzl'));
  write('pnpm-workspace.yaml', `packages:\n  - libs/*\n  - tools\n`);
  write('package.json', JSON.stringify({ name: 'root', scripts: { test: "node --test 'libs/*/src/**/*.test.ts' 'tools/src/**/*.test.ts'" }, devDependencies: { node: '24.21.0' } }));
  write('tsconfig.json', JSON.stringify({ include: ['libs/*/src/**/*.ts', 'tools/src/**/*.ts'], exclude: ['**/node_modules/**'] }));
  write('MODULE.bazel', `module(name = "fixture")\n\nNODE_VERSION = "24.21.0"\n`);
  write('.bazelignore', 'node_modules\nlibs/a/node_modules\nlibs/b/node_modules\ntools/node_modules\n');
  write('.bazelrc', 'build:actiond --remote_default_exec_properties=libc=glibc2.36\n');
  write('runtimes/runtimes.lock.json', JSON.stringify({ format: 1, runtimes: [{ name: 'glibc2.31' }, { name: 'glibc2.36' }] }));
  write('platforms/BUILD.bazel', `load("//bazel:actiond_platforms.bzl", "actiond_execution_platforms")\n\nactiond_execution_platforms(\n    name = "actiond",\n    default_runtime = "glibc2.36",\n    runtimes = ["glibc2.31", "glibc2.36"],\n)\n`);
  write('libs/a/package.json', JSON.stringify({ name: '@actiond/a', dependencies: { '@actiond/b': 'workspace:*', zod: '4.6.7' }, devDependencies: { 'node-only-dev': '1.0.0' } }));
  write('libs/a/src/index.ts', `import { b } from '@actiond/b';\nimport { z } from 'zod';\nimport { helper } from './helper.ts';\nexport const a = [b, z, helper];\n`);
  write('libs/a/src/helper.ts', `import { readFileSync } from 'node:fs';\nexport const helper = 1;\n`);
  write('libs/a/src/index.test.ts', `import { test } from 'node:test';\nimport { dev } from 'node-only-dev';\nimport { a } from './index.ts';\ntest('a', () => void [a, dev]);\n`);
  write(
    'libs/a/BUILD.bazel',
    `load("//bazel:actiond_ts_package.bzl", "actiond_ts_package")\n\nactiond_ts_package(\n    name = "a",\n    test_deps = ["node-only-dev"],\n    deps = [\n        "zod",\n        "@actiond/b",\n    ],\n)\n`,
  );
  write('libs/b/package.json', JSON.stringify({ name: '@actiond/b' }));
  write('libs/b/src/index.ts', 'export const b = 2;\n');
  write('libs/b/BUILD.bazel', `load("//bazel:actiond_ts_package.bzl", "actiond_ts_package")\n\nactiond_ts_package(name = "b")\n`);
  write('tools/package.json', JSON.stringify({ name: '@actiond/tools' }));
  write('tools/src/build-thing.ts', `import { thing } from './thing.ts';\nconsole.log(thing);\n`);
  write('tools/src/thing.ts', 'export const thing = 3;\n');
  write('tools/src/thing.test.ts', `import { thing } from './thing.ts';\nvoid thing;\n`);
  write('tools/build-thing.sh', 'exec node "$root/tools/src/build-thing.ts" "$@"\n');
  write(
    'tools/BUILD.bazel',
    `load("@aspect_rules_js//js:defs.bzl", "js_binary")\nload("//bazel:actiond_ts_package.bzl", "actiond_ts_package")\n\nactiond_ts_package(name = "tools")\n\njs_binary(\n    name = "build_thing",\n    entry_point = "src/build-thing.ts",\n)\n`,
  );
  return { root, write, findings: () => checkBazelConsistency(root) };
}

function messages(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.file}: ${f.message}`);
}

test('a workspace whose BUILD files match it has no findings', (t) => {
  assert.deepEqual(messages(fixture(t).findings()), []);
});

test('a dependency the sources import but deps lacks is reported with the entry to add', (t) => {
  const f = fixture(t);
  f.write('libs/a/BUILD.bazel', `load("//bazel:actiond_ts_package.bzl", "actiond_ts_package")\n\nactiond_ts_package(\n    name = "a",\n    test_deps = ["node-only-dev"],\n    deps = ["@actiond/b"],\n)\n`);
  assert.deepEqual(messages(f.findings()), ['libs/a/BUILD.bazel: actiond_ts_package(name = "a") in libs/a/BUILD.bazel: add "zod" to deps (imported by src/index.ts)']);
});

test('a test-only dependency belongs in test_deps, and an unused one is to be removed', (t) => {
  const f = fixture(t);
  f.write('libs/a/BUILD.bazel', `load("//bazel:actiond_ts_package.bzl", "actiond_ts_package")\n\nactiond_ts_package(\n    name = "a",\n    deps = [\n        "node-only-dev",\n        "zod",\n        "@actiond/b",\n    ],\n)\n`);
  assert.deepEqual(messages(f.findings()), [
    'libs/a/BUILD.bazel: actiond_ts_package(name = "a") in libs/a/BUILD.bazel: remove "node-only-dev" from deps: nothing in the sources imports it',
    'libs/a/BUILD.bazel: actiond_ts_package(name = "a") in libs/a/BUILD.bazel: add "node-only-dev" to test_deps (imported by src/index.test.ts)',
  ]);
});

test('an import package.json does not declare is reported against package.json', (t) => {
  const f = fixture(t);
  f.write('libs/b/src/index.ts', `import { x } from 'undeclared';\nexport const b = x;\n`);
  assert.deepEqual(messages(f.findings()), [
    'libs/b/BUILD.bazel: actiond_ts_package(name = "b") in libs/b/BUILD.bazel: src/index.ts imports undeclared, which libs/b/package.json does not declare; add it there (an exact version, or "workspace:*" for @actiond packages) and run pnpm install',
    'libs/b/BUILD.bazel: actiond_ts_package(name = "b") in libs/b/BUILD.bazel: add "undeclared" to deps (imported by src/index.ts)',
  ]);
});

test('a source file that an import needs but that is missing is reported', (t) => {
  const f = fixture(t);
  f.write('libs/b/src/index.ts', `export { c } from './c.ts';\n`);
  assert.deepEqual(messages(f.findings()), [
    'libs/b/BUILD.bazel: actiond_ts_package(name = "b") in libs/b/BUILD.bazel: src/index.ts imports ./c.ts, but libs/b/src/c.ts does not exist: add the missing source file or fix the import',
  ]);
});

test('a source outside the srcs globs is reported where pnpm type-checks or imports it', (t) => {
  const f = fixture(t);
  f.write('libs/b/BUILD.bazel', `load("//bazel:actiond_ts_package.bzl", "actiond_ts_package")\n\nactiond_ts_package(\n    name = "b",\n    srcs = ["src/*.ts"],\n)\n`);
  f.write('libs/b/src/index.ts', `export { c } from './deep/c.ts';\n`);
  f.write('libs/b/src/deep/c.ts', 'export const c = 1;\n');
  assert.deepEqual(messages(f.findings()), [
    'libs/b/BUILD.bazel: actiond_ts_package(name = "b") in libs/b/BUILD.bazel: src/deep/c.ts is type-checked by `pnpm typecheck` (tsconfig.json) but is in neither srcs ["src/*.ts"] nor tests ["src/**/*.test.ts"]: add a pattern that matches it to srcs',
    'libs/b/BUILD.bazel: actiond_ts_package(name = "b") in libs/b/BUILD.bazel: src/index.ts imports src/deep/c.ts, which is in neither srcs nor tests: add a pattern that matches it to srcs',
  ]);
});

test('a file a module reads beside itself must be in data', (t) => {
  const f = fixture(t);
  f.write('libs/b/src/index.ts', `export const helper = new URL('../bin/helper', import.meta.url);\n`);
  assert.deepEqual(messages(f.findings()), [
    'libs/b/BUILD.bazel: actiond_ts_package(name = "b") in libs/b/BUILD.bazel: src/index.ts reads bin/helper at run time ("../bin/helper" relative to itself): add ":bin/helper" (or the target that produces it) to data',
  ]);
  f.write('libs/b/BUILD.bazel', `load("//bazel:actiond_ts_package.bzl", "actiond_ts_package")\n\nactiond_ts_package(\n    name = "b",\n    data = [":bin/helper"],\n)\n`);
  assert.deepEqual(messages(f.findings()), []);
});

test('a package without BUILD.bazel gets the exact file to create, which buildifier accepts', (t) => {
  const f = fixture(t);
  rmSync(join(f.root, 'libs/a/BUILD.bazel'));
  const found = f.findings();
  assert.equal(found.length, 1);
  const m = /create libs\/a\/BUILD\.bazel with:\n([\s\S]*)$/.exec(found[0]?.message ?? '');
  assert.ok(m !== null, found[0]?.message);
  f.write('libs/a/BUILD.bazel', m[1] as string);
  assert.deepEqual(messages(f.findings()), []);
  assert.deepEqual(lintStarlark(buildifierBinary(REPO), f.root, ['libs/a/BUILD.bazel']), []);
});

test('a pnpm test that is not a Bazel test, and a pnpm_only_tests entry without a reason, are reported', (t) => {
  const f = fixture(t);
  f.write(
    'libs/a/BUILD.bazel',
    `load("//bazel:actiond_ts_package.bzl", "actiond_ts_package")\n\nactiond_ts_package(\n    name = "a",\n    pnpm_only_tests = {"src/index.test.ts": " "},\n    tests = ["src/*.spec.ts"],\n    deps = [\n        "zod",\n        "@actiond/b",\n    ],\n)\n`,
  );
  const where = 'libs/a/BUILD.bazel: actiond_ts_package(name = "a") in libs/a/BUILD.bazel';
  assert.deepEqual(messages(f.findings()), [
    `${where}: src/index.test.ts is run by \`pnpm test\` but is not matched by tests ["src/*.spec.ts"]: add a pattern that matches it to tests`,
    `${where}: pnpm_only_tests names src/index.test.ts, which is not one of the package's tests; remove it`,
    `${where}: pnpm_only_tests["src/index.test.ts"] needs the reason the test cannot run under Bazel`,
    // With tests narrowed to *.spec.ts, index.test.ts counts as a source, so its import is a source dependency.
    `${where}: add "node-only-dev" to deps (imported by src/index.test.ts)`,
  ]);
});

test('root files must agree: Node version, .bazelignore, default runtime', (t) => {
  const f = fixture(t);
  f.write('MODULE.bazel', `NODE_VERSION = "24.1.0"\n`);
  f.write('.bazelignore', 'node_modules\nlibs/a/node_modules\ntools/node_modules\n');
  f.write('.bazelrc', 'build:actiond --remote_default_exec_properties=libc=glibc9.99\n');
  assert.deepEqual(messages(f.findings()), [
    'MODULE.bazel: NODE_VERSION is "24.1.0" but the root package.json pins node "24.21.0": set NODE_VERSION = "24.21.0"',
    '.bazelignore: add the line libs/b/node_modules to .bazelignore: rules_js requires every pnpm node_modules directory to be ignored by Bazel',
    '.bazelrc: --config=actiond sends libc=glibc9.99, which is not a runtime of runtimes/runtimes.lock.json (glibc2.31, glibc2.36)',
  ]);
});

test('a native helper must be the cc_binary binding.gyp describes', (t) => {
  const f = fixture(t);
  f.write('libs/b/binding.gyp', `# comment\n${JSON.stringify({ targets: [{ target_name: 'helper', sources: ['native/a.c', 'native/b.c'], defines: ['_GNU_SOURCE'], cflags: ['-Wall'], ldflags: ['-static'], configurations: { Release: { cflags: ['-O2'] } } }] })}\n`);
  f.write('libs/b/native/a.c', '');
  f.write('libs/b/native/b.c', '');
  assert.deepEqual(messages(f.findings()), [
    'libs/b/BUILD.bazel: binding.gyp builds helper: add cc_binary(name = "build/Release/helper", ...) to libs/b/BUILD.bazel (the same path node-gyp writes, so the code finds it under both build paths)',
  ]);
  f.write('libs/b/BUILD.bazel', `load("//bazel:actiond_ts_package.bzl", "actiond_ts_package")\n\nactiond_ts_package(name = "b")\n\ncc_binary(\n    name = "build/Release/helper",\n    srcs = ["native/a.c"],\n    copts = ["-Wall"],\n    local_defines = ["_GNU_SOURCE"],\n)\n`);
  assert.deepEqual(messages(f.findings()), [
    'libs/b/BUILD.bazel: cc_binary(name = "build/Release/helper") in libs/b/BUILD.bazel: add native/b.c to srcs (binding.gyp compiles it)',
    'libs/b/BUILD.bazel: cc_binary(name = "build/Release/helper") in libs/b/BUILD.bazel: copts must equal binding.gyp\'s cflags (then Release\'s): ["-Wall","-O2"]',
    'libs/b/BUILD.bazel: cc_binary(name = "build/Release/helper") in libs/b/BUILD.bazel: linkopts must equal binding.gyp\'s ldflags ["-static"]',
  ]);
});

test('a script a Bazel rule runs must exist, be run by the pnpm path and be tested by it', (t) => {
  const f = fixture(t);
  rmSync(join(f.root, 'tools/build-thing.sh'));
  rmSync(join(f.root, 'tools/src/thing.test.ts'));
  assert.deepEqual(messages(f.findings()), [
    'tools/BUILD.bazel: js_binary(name = "build_thing") in tools/BUILD.bazel: tools/src/build-thing.ts is not run by the pnpm path (no package.json script or shell wrapper names it); Bazel must call the same entry point pnpm does',
    'tools/BUILD.bazel: js_binary(name = "build_thing") in tools/BUILD.bazel: nothing `pnpm test` runs imports tools/src/build-thing.ts or any module it is made of; add a *.test.ts beside its logic',
  ]);
  rmSync(join(f.root, 'tools/src/build-thing.ts'));
  assert.deepEqual(messages(f.findings()), ['tools/BUILD.bazel: js_binary(name = "build_thing") in tools/BUILD.bazel: entry_point tools/src/build-thing.ts does not exist']);
});
