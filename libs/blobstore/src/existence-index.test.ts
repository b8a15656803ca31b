import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Digest } from '@actiond/digest';
import { ExistenceIndex } from './existence-index.ts';

const HASH = 'ef'.repeat(32);

test('a blob is present only with the exact size it was stored with', () => {
  const index = new ExistenceIndex();
  index.add(HASH, 10);
  assert.ok(index.has(Digest.parse(HASH, 10)));
  assert.ok(!index.has(Digest.parse(HASH, 11)));
  assert.equal(index.count, 1);
});

test('removing with the wrong size leaves the blob; with the right size forgets it', () => {
  const index = new ExistenceIndex();
  index.add(HASH, 10);
  index.remove(Digest.parse(HASH, 9));
  assert.ok(index.has(Digest.parse(HASH, 10)));
  index.remove(Digest.parse(HASH, 10));
  assert.ok(!index.has(Digest.parse(HASH, 10)));
  assert.equal(index.count, 0);
});
