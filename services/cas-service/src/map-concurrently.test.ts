import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { mapConcurrently } from './map-concurrently.ts';

describe('mapConcurrently', () => {
  it('returns results in input order with no more than `limit` calls in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapConcurrently([5, 1, 4, 2, 3, 0, 6], 3, async (n, i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      for (let k = 0; k < n; k++) await tick();
      inFlight--;
      return `${i}:${n}`;
    });
    assert.deepEqual(out, ['0:5', '1:1', '2:4', '3:2', '4:3', '5:0', '6:6']);
    assert.equal(most, 3);
  });

  it('handles an empty list and a limit above the item count', async () => {
    assert.deepEqual(await mapConcurrently([], 4, async () => 1), []);
    assert.deepEqual(await mapConcurrently([1, 2], 100, async (n) => n * 2), [2, 4]);
  });

  it('rejects with the first error and starts no new calls after it', async () => {
    const started: number[] = [];
    await assert.rejects(
      mapConcurrently([0, 1, 2, 3, 4, 5], 2, async (n) => {
        started.push(n);
        await tick();
        if (n === 1) throw new Error('boom at 1');
        return n;
      }),
      /boom at 1/,
    );
    assert.ok(!started.includes(5), `started ${started.join(',')}`);
  });

  it('refuses a limit that is not a positive integer', async () => {
    await assert.rejects(mapConcurrently([1], 0, async (n) => n), RangeError);
  });
});
