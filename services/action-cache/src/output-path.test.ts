import assert from 'node:assert/strict';
import { test } from 'node:test';
import { outputPathProblem } from './output-path.ts';

test('relative paths of one or more plain segments are accepted', () => {
  for (const path of ['a', 'a/b', 'bazel-out/k8-fastbuild/bin/x.o', '.hidden/..x', 'a b/c\\d']) {
    assert.equal(outputPathProblem(path, false), undefined, path);
  }
});

test('the empty path is accepted only where it means the working directory', () => {
  assert.equal(outputPathProblem('', true), undefined);
  assert.equal(outputPathProblem('', false), 'must not be empty');
});

test('leading and trailing slashes, empty, dot and dot-dot segments and NUL are refused, naming the path', () => {
  assert.match(outputPathProblem('/etc/passwd', false)!, /"\/etc\/passwd" must be relative/);
  assert.match(outputPathProblem('out/', true)!, /must not end with a slash/);
  assert.match(outputPathProblem('a//b', false)!, /empty segment/);
  assert.match(outputPathProblem('a/./b', false)!, /"\." segment/);
  assert.match(outputPathProblem('../escape', false)!, /"\.\." segment/);
  assert.match(outputPathProblem('a/..', true)!, /"\.\." segment/);
  assert.match(outputPathProblem('a\0b', false)!, /NUL byte/);
  assert.match(outputPathProblem(42, false)!, /must be a string/);
});
