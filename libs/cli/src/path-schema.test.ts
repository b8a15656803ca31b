import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pathSchema } from './path-schema.ts';

describe('pathSchema', () => {
  it('returns the path exactly as written', () => {
    assert.equal(pathSchema().parse('rel/dir/'), 'rel/dir/');
    assert.equal(pathSchema().parse('/var/lib/actiond'), '/var/lib/actiond');
    assert.equal(pathSchema({ absolute: true }).parse('/var/lib/actiond'), '/var/lib/actiond');
  });

  it('rejects the empty path', () => {
    assert.equal(pathSchema().safeParse('').error?.issues[0]?.message, 'expected a path, got ""');
    assert.equal(pathSchema({ absolute: true }).safeParse('').error?.issues[0]?.message, 'expected an absolute path, got ""');
  });

  it('rejects NUL bytes, which no system call accepts', () => {
    assert.equal(pathSchema().safeParse('a\0b').error?.issues[0]?.message, 'expected a path without NUL bytes, got "a\\u0000b"');
  });

  it('rejects a relative path when an absolute one is required', () => {
    assert.equal(pathSchema({ absolute: true }).safeParse('tmp/x').error?.issues[0]?.message, 'expected an absolute path, got "tmp/x"');
  });
});
