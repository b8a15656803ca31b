import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byteSizeSchema } from './byte-size-schema.ts';

const schema = byteSizeSchema();
const reason = (text: string) => schema.safeParse(text).error?.issues[0]?.message;

describe('byteSizeSchema', () => {
  it('parses plain byte counts, with or without B', () => {
    assert.equal(schema.parse('0'), 0);
    assert.equal(schema.parse('4096'), 4096);
    assert.equal(schema.parse('512B'), 512);
  });

  it('reads K, M, G, T as powers of 1000', () => {
    assert.equal(schema.parse('64K'), 64_000);
    assert.equal(schema.parse('10M'), 10_000_000);
    assert.equal(schema.parse('2G'), 2_000_000_000);
    assert.equal(schema.parse('1T'), 1_000_000_000_000);
    assert.equal(schema.parse('3MB'), 3_000_000);
  });

  it('reads Ki, Mi, Gi, Ti as powers of 1024', () => {
    assert.equal(schema.parse('1Ki'), 1024);
    assert.equal(schema.parse('10Mi'), 10 * 1024 ** 2);
    assert.equal(schema.parse('2GiB'), 2 * 1024 ** 3);
    assert.equal(schema.parse('1Ti'), 1024 ** 4);
  });

  it('ignores case in the suffix', () => {
    assert.equal(schema.parse('64k'), 64_000);
    assert.equal(schema.parse('10mib'), 10 * 1024 ** 2);
  });

  it('computes fractions exactly', () => {
    assert.equal(schema.parse('1.5Ki'), 1536);
    assert.equal(schema.parse('1.1G'), 1_100_000_000);
    assert.equal(schema.parse('0.001K'), 1);
  });

  it('rejects fractions that are not whole bytes', () => {
    assert.equal(reason('1.5'), 'expected a byte size such as 4096, 64K, 10Mi or 2G (a whole number of bytes), got "1.5"');
    assert.equal(reason('0.0001K'), 'expected a byte size such as 4096, 64K, 10Mi or 2G (a whole number of bytes), got "0.0001K"');
  });

  it('rejects unknown suffixes, signs, spaces and empty text', () => {
    for (const text of ['10X', '10KiX', '-1', '1 G', '', 'G', '1.G', '.5G']) {
      assert.equal(reason(text), `expected a byte size such as 4096, 64K, 10Mi or 2G, got ${JSON.stringify(text)}`);
    }
  });

  it('rejects sizes beyond 2^53 - 1 bytes', () => {
    assert.equal(reason('9000Ti'), 'expected a byte size such as 4096, 64K, 10Mi or 2G (at most 2^53 - 1 bytes), got "9000Ti"');
  });
});
