import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { median, megabytesPerSecond } from './statistics.ts';

describe('median', () => {
  it('takes the middle value of an odd count, whatever the order', () => {
    assert.equal(median([5, 1, 9, 3, 7]), 5);
  });

  it('averages the middle two of an even count', () => {
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });

  it('does not reorder the caller\'s list', () => {
    const runs = [3, 1, 2];
    median(runs);
    assert.deepEqual(runs, [3, 1, 2]);
  });

  it('refuses an empty list instead of returning NaN', () => {
    assert.throws(() => median([]), /empty list/);
  });
});

describe('megabytesPerSecond', () => {
  it('counts decimal megabytes', () => {
    assert.equal(megabytesPerSecond(2_000_000, 0.5), 4);
  });

  it('refuses a zero or negative duration', () => {
    assert.throws(() => megabytesPerSecond(1, 0), /over 0 seconds/);
  });
});
