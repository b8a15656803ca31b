import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PriorityQueue } from './priority-queue.ts';

function drainAll<T>(queue: PriorityQueue<T>): T[] {
  const out: T[] = [];
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) out.push(item);
  return out;
}

describe('PriorityQueue', () => {
  it('hands out the lowest priority number first, negative ones before the default 0', () => {
    const queue = new PriorityQueue<string>();
    queue.push('zero', 0);
    queue.push('ten', 10);
    queue.push('minus-five', -5);
    queue.push('three', 3);
    assert.deepEqual(drainAll(queue), ['minus-five', 'zero', 'three', 'ten']);
  });

  it('keeps arrival order among equal priorities', () => {
    const queue = new PriorityQueue<number>();
    for (const [item, priority] of [[1, 1], [2, 0], [3, 1], [4, 0], [5, 1]] as const) queue.push(item, priority);
    assert.deepEqual(drainAll(queue), [2, 4, 1, 3, 5]);
  });

  it('removes a waiting item and reports whether it was there', () => {
    const queue = new PriorityQueue<string>();
    queue.push('a', 0);
    queue.push('b', 0);
    assert.equal(queue.remove('a'), true);
    assert.equal(queue.remove('a'), false);
    assert.equal(queue.size, 1);
    assert.deepEqual(queue.drain(), ['b']);
    assert.equal(queue.size, 0);
    assert.equal(queue.shift(), undefined);
  });
});
