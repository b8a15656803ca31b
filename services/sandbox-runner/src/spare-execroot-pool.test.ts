import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LinkJob } from './link-job.ts';
import { SpareExecrootPool } from './spare-execroot-pool.ts';

function tree(key: string, entries = 9): { key: string; job: LinkJob } {
  const job: LinkJob = { target: '', directoryMode: 0o1777, strings: '', parents: new Int32Array(1), firstString: new Int32Array(1), firstEntry: new Int32Array(2), kinds: new Uint8Array(entries) };
  return { key, job };
}

test('only a tree the pool saw made is claimed, once', () => {
  const pool = new SpareExecrootPool();
  pool.made('/exec/a', tree('r'));
  assert.equal(pool.claim('/exec/b'), undefined);
  assert.equal(pool.claim('/exec/a')?.key, 'r');
  assert.equal(pool.claim('/exec/a'), undefined);
});

test('a spare is taken by its key only, newest first, and only once', () => {
  const pool = new SpareExecrootPool();
  assert.deepEqual(pool.offer('/exec/1', tree('r')), []);
  assert.deepEqual(pool.offer('/exec/2', tree('r')), []);
  assert.equal(pool.take('other'), undefined);
  assert.equal(pool.take('r')?.path, '/exec/2');
  assert.equal(pool.take('r')?.path, '/exec/1');
  assert.equal(pool.take('r'), undefined);
});

test('spares beyond the limits are evicted oldest first: per key, in all, and by entries; a tree too big alone is not kept', () => {
  const pool = new SpareExecrootPool({ perKey: 2, trees: 3, entries: 40 });
  assert.deepEqual(pool.offer('/1', tree('r')), []);
  assert.deepEqual(pool.offer('/2', tree('r')), []);
  assert.deepEqual(pool.offer('/3', tree('r')), ['/1'], 'a third of one key');
  assert.deepEqual(pool.offer('/4', tree('s')), []);
  assert.deepEqual(pool.offer('/5', tree('t')), ['/2'], 'a fourth in all');
  assert.deepEqual(pool.offer('/6', tree('u', 25)), ['/3', '/4'], 'over 40 entries');
  assert.deepEqual(pool.offer('/7', tree('v', 100)), ['/7']);
  assert.deepEqual(pool.clear().sort(), ['/5', '/6']);
});
