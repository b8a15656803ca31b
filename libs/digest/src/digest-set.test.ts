import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Digest } from './digest.ts';
import { DigestSet } from './digest-set.ts';

const d = (n: number, size = n): Digest => Digest.parse(n.toString(16).padStart(64, '0'), size);

test('a set deduplicates digests by hash and size, keeping first-insertion order', () => {
  const set = DigestSet.of([d(2), d(1), d(2), Digest.parse(d(2).hash, 2n)]);
  assert.equal(set.size, 2);
  assert.deepEqual(set.toArray().map((x) => x.key), [d(2).key, d(1).key]);
});

test('the same hash with a different size is a different member', () => {
  const set = DigestSet.of([d(1, 1), d(1, 2)]);
  assert.equal(set.size, 2);
  assert.ok(set.has(d(1, 2)));
  assert.ok(!set.has(d(1, 3)));
});

test('filter, union and difference return new sets and leave the original unchanged', () => {
  const set = DigestSet.of([d(1), d(2), d(3)]);
  assert.deepEqual(set.filter((x) => x.sizeBytes > 1).toArray().map((x) => x.sizeBytes), [2, 3]);
  assert.deepEqual(set.union([d(3), d(4)]).toArray().map((x) => x.sizeBytes), [1, 2, 3, 4]);
  assert.deepEqual(set.difference(DigestSet.of([d(2)])).toArray().map((x) => x.sizeBytes), [1, 3]);
  assert.equal(set.size, 3);
});

test('a set cannot be modified through toArray or its properties', () => {
  const set = DigestSet.of([d(1)]);
  set.toArray().push(d(2));
  assert.equal(set.size, 1);
  assert.throws(() => {
    (set as unknown as { extra: number }).extra = 1;
  }, TypeError);
});

test('totalSizeBytes sums distinct members and the empty set is empty', () => {
  assert.equal(DigestSet.of([d(5), d(5), d(7)]).totalSizeBytes, 12);
  assert.equal(DigestSet.of([]).size, 0);
  assert.equal(DigestSet.of([]), DigestSet.empty);
  assert.deepEqual([...DigestSet.of([d(9)])].map((x) => x.key), [d(9).key]);
});

test('several sizes of one hash are distinct members, in insertion order, without duplicates', () => {
  const set = DigestSet.of([d(1, 1), d(2), d(1, 2), d(1, 3), d(1, 2), d(1, 1)]);
  assert.deepEqual(set.toArray().map((x) => x.key), [d(1, 1).key, d(2).key, d(1, 2).key, d(1, 3).key]);
  assert.ok(set.has(d(1, 3)));
  assert.ok(!set.has(d(1, 4)));
  assert.deepEqual(set.filter((x) => x.sizeBytes !== 2).toArray().map((x) => x.key), [d(1, 1).key, d(1, 3).key]);
});

test('a filtered subset answers has() like a set built directly', () => {
  const all = DigestSet.of([d(1, 1), d(1, 2), d(2), d(3), d(4)]);
  const odd = all.filter((x) => x.sizeBytes % 2 === 1);
  assert.deepEqual(odd.toArray().map((x) => x.key), [d(1, 1).key, d(3).key]);
  assert.ok(odd.has(d(1, 1)) && odd.has(d(3)));
  assert.ok(!odd.has(d(1, 2)) && !odd.has(d(2)) && !odd.has(d(4)));
  assert.equal(all.filter(() => false), DigestSet.empty);
});
