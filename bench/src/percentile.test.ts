import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { percentile } from './percentile.ts';

describe('percentile', () => {
  it('takes the nearest rank, so p50 of an even count is the lower middle value', () => {
    assert.equal(percentile([4, 1, 3, 2], 50), 2);
  });

  it('takes the value 95% of the runs are at or below, whatever the order', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.equal(percentile(values, 95), 95);
    assert.equal(percentile(values, 100), 100);
  });

  it('returns the only value of a single run for any percentile', () => {
    assert.equal(percentile([7], 1), 7);
    assert.equal(percentile([7], 95), 7);
  });

  it('refuses an empty list and a percentile outside (0, 100]', () => {
    assert.throws(() => percentile([], 50), /empty list/);
    assert.throws(() => percentile([1], 0), /\(0, 100\]/);
    assert.throws(() => percentile([1], 101), /\(0, 100\]/);
  });
});
