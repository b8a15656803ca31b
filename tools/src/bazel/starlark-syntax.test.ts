import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStarlarkFile, readStarlarkConstant, stringDict, stringList, stringValue } from './starlark-syntax.ts';

test('reads loads, assignments and calls with keyword arguments, lists, dicts and concatenation', () => {
  const file = parseStarlarkFile(
    `"""Docstring."""
load("//bazel:m.bzl", "m", alias = "other")

X = "24.21.0"  # a comment

m(
    name = "lib",
    deps = ["a", 'b'] + ["c"],
    pnpm_only_tests = {"src/x.test.ts": "why"},
    srcs = glob(["src/**/*.ts"], exclude = ["src/**/*.test.ts"]),
)
node.toolchain(node_version = X)
`,
    'BUILD.bazel',
  );
  assert.deepEqual(file.loads, [{ label: '//bazel:m.bzl', symbols: new Map([['m', 'm'], ['alias', 'other']]) }]);
  assert.equal(stringValue(file.assignments.get('X'), 'X'), '24.21.0');
  assert.deepEqual(file.calls.map((c) => [c.callee, c.line]), [['m', 6], ['node.toolchain', 12]]);
  const m = file.calls[0];
  assert.ok(m !== undefined);
  assert.deepEqual(stringList(m.kwargs.get('deps'), 'deps'), ['a', 'b', 'c']);
  assert.deepEqual(stringDict(m.kwargs.get('pnpm_only_tests'), 'p'), new Map([['src/x.test.ts', 'why']]));
  const srcs = m.kwargs.get('srcs');
  assert.equal(srcs?.kind === 'call' ? srcs.callee : undefined, 'glob');
});

test('rejects constructs outside the regular subset, naming file and line', () => {
  assert.throws(() => parseStarlarkFile('x = [\n  f(a) for a in b\n]\n', 'p/BUILD.bazel'), /^Error: p\/BUILD\.bazel:2: 'for' is outside the regular subset/);
  assert.throws(() => parseStarlarkFile('def f():\n  pass\n', 'BUILD.bazel'), /BUILD\.bazel:1: 'def'/);
  assert.throws(() => parseStarlarkFile('f(name = "a", name = "b")\n', 'BUILD.bazel'), /argument name is given twice/);
  assert.throws(() => parseStarlarkFile('f(name = "a)\n', 'BUILD.bazel'), /newline in a string/);
});

test('reads one top-level constant of a .bzl file whatever else the file holds', () => {
  const bzl = 'load("x", "y")\n\nSRCS = [\n    "src/**/*.ts",\n]\n\ndef f(name):\n    return name * 2 if name else -1\n';
  assert.deepEqual(stringList(readStarlarkConstant(bzl, 'SRCS', 'm.bzl'), 'SRCS'), ['src/**/*.ts']);
  assert.throws(() => readStarlarkConstant(bzl, 'TESTS', 'm.bzl'), /m\.bzl: no top-level TESTS = \.\.\. assignment/);
});

test('value readers name the attribute that is not a literal', () => {
  const call = parseStarlarkFile('f(deps = DEPS, name = 3)\n', 'BUILD.bazel').calls[0];
  assert.throws(() => stringList(call?.kwargs.get('deps'), 'f: deps'), /f: deps must be a literal list of strings/);
  assert.throws(() => stringValue(call?.kwargs.get('name'), 'f: name'), /f: name must be a string literal/);
});
