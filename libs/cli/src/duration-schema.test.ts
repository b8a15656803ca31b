import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { durationSchema } from './duration-schema.ts';

const schema = durationSchema();
const reason = (text: string) => schema.safeParse(text).error?.issues[0]?.message;
const EXPECTED = 'expected a duration such as 500ms, 10s, 2m or 1h30m';

describe('durationSchema', () => {
  it('parses ms, s, m and h into milliseconds', () => {
    assert.equal(schema.parse('500ms'), 500);
    assert.equal(schema.parse('10s'), 10_000);
    assert.equal(schema.parse('2m'), 120_000);
    assert.equal(schema.parse('1h'), 3_600_000);
    assert.equal(schema.parse('0s'), 0);
  });

  it('adds up several parts', () => {
    assert.equal(schema.parse('1h30m'), 5_400_000);
    assert.equal(schema.parse('1m30s500ms'), 90_500);
  });

  it('computes fractions exactly', () => {
    assert.equal(schema.parse('1.5s'), 1500);
    assert.equal(schema.parse('0.1s'), 100);
    assert.equal(schema.parse('2.5m'), 150_000);
  });

  it('rejects fractions finer than a millisecond', () => {
    assert.equal(reason('1.5ms'), `${EXPECTED} (whole milliseconds), got "1.5ms"`);
    assert.equal(reason('0.0001s'), `${EXPECTED} (whole milliseconds), got "0.0001s"`);
  });

  it('rejects a number without a unit, whose unit would be a guess', () => {
    assert.equal(reason('10'), `${EXPECTED}, got "10"`);
    assert.equal(reason('1m30'), `${EXPECTED}, got "1m30"`);
  });

  it('rejects unknown units, signs, spaces and empty text', () => {
    for (const text of ['10d', '10us', '-1s', '1 s', '', 's', '10S', '1m 30s']) {
      assert.equal(reason(text), `${EXPECTED}, got ${JSON.stringify(text)}`);
    }
  });

  it('rejects durations beyond 2^53 - 1 milliseconds', () => {
    assert.equal(reason('9999999999999h'), `${EXPECTED} (too long), got "9999999999999h"`);
  });
});
