import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { ActiondError } from '@actiond/status';
import { parseRelativePath } from './relative-path.ts';

test('a relative path splits into its segments; the empty path is the directory itself where allowed', () => {
  assert.deepEqual(parseRelativePath('a/b.o', 'output path', false), ['a', 'b.o']);
  assert.deepEqual(parseRelativePath('', 'working directory', true), []);
});

for (const [path, problem] of [
  ['', /output path "" is empty/],
  ['/etc/passwd', /output path "\/etc\/passwd" is absolute/],
  ['../escape', /output path "\.\.\/escape" has a "\.\." segment/],
  ['a/../../b', /has a "\.\." segment/],
  ['a/./b', /has a "\." segment/],
  ['a//b', /has an empty segment/],
  ['a/', /has an empty segment/],
  ['a\0b', /contains a NUL byte/],
] as const) {
  test(`output path ${JSON.stringify(path)} is INVALID_ARGUMENT naming it`, () => {
    assert.throws(() => parseRelativePath(path, 'output path', false), (err: unknown) => {
      assert.ok(err instanceof ActiondError);
      assert.equal(err.code, status.INVALID_ARGUMENT);
      assert.match(err.message, problem);
      return true;
    });
  });
}
