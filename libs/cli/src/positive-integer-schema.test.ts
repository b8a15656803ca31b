import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { positiveIntegerSchema } from './positive-integer-schema.ts';

const schema = positiveIntegerSchema();
const reason = (text: string) => schema.safeParse(text).error?.issues[0]?.message;

describe('positiveIntegerSchema', () => {
  it('parses decimal integers from 1 up to 2^53 - 1', () => {
    assert.equal(schema.parse('1'), 1);
    assert.equal(schema.parse('0042'), 42);
    assert.equal(schema.parse('9007199254740991'), Number.MAX_SAFE_INTEGER);
  });

  it('rejects zero, signs, fractions, exponents, hex and blanks', () => {
    for (const text of ['0', '-1', '+1', '1.5', '1e3', '0x10', '', ' 1', 'four']) {
      assert.equal(reason(text), `expected a positive integer, got ${JSON.stringify(text)}`);
    }
  });

  it('rejects integers too large to be exact', () => {
    assert.equal(reason('9007199254740992'), 'expected a positive integer, got "9007199254740992"');
  });
});
