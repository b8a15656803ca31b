import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateGlob, globToRegExp } from './build-glob.ts';

const FILES = ['src/a.ts', 'src/a.test.ts', 'src/sub/b.ts', 'src/sub/deep/c.test.ts', 'native/x.c', 'top.ts'];

test('** matches any number of directories, zero included', () => {
  assert.deepEqual(evaluateGlob(FILES, ['src/**/*.ts']), ['src/a.test.ts', 'src/a.ts', 'src/sub/b.ts', 'src/sub/deep/c.test.ts']);
  assert.deepEqual(evaluateGlob(FILES, ['**']), [...FILES].sort());
});

test('* and ? stay within one path segment', () => {
  assert.deepEqual(evaluateGlob(FILES, ['src/*.ts']), ['src/a.test.ts', 'src/a.ts']);
  assert.deepEqual(evaluateGlob(FILES, ['*.ts']), ['top.ts']);
  assert.deepEqual(evaluateGlob(FILES, ['native/?.c']), ['native/x.c']);
});

test('exclude removes matches of any exclude pattern', () => {
  assert.deepEqual(evaluateGlob(FILES, ['src/**/*.ts'], ['src/**/*.test.ts']), ['src/a.ts', 'src/sub/b.ts']);
});

test('regular-expression characters in patterns are literal', () => {
  assert.ok(globToRegExp('a+b/(c).ts').test('a+b/(c).ts'));
  assert.ok(!globToRegExp('a.ts').test('abts'));
});

test('patterns Bazel rejects are rejected', () => {
  assert.throws(() => globToRegExp('../x'), /not a relative path pattern/);
  assert.throws(() => globToRegExp('/abs/*'), /not a relative path pattern/);
  assert.throws(() => globToRegExp('src/a**/x'), /'\*\*' must be a whole path segment/);
});
