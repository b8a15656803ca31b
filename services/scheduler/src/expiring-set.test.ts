import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExpiringSet } from './expiring-set.ts';

describe('ExpiringSet', () => {
  it('holds a key for ttlMs after it was added, and renews it when added again', () => {
    let now = 0;
    const set = new ExpiringSet({ ttlMs: 1000, maxSize: 10, now: () => now });
    set.add('a');
    now = 999;
    assert.equal(set.has('a'), true);
    set.add('a');
    now = 1500;
    assert.equal(set.has('a'), true);
    now = 1999;
    assert.equal(set.has('a'), false);
    assert.equal(set.size, 0);
  });

  it('drops the least recently added keys beyond maxSize', () => {
    const set = new ExpiringSet({ ttlMs: 60_000, maxSize: 2 });
    set.add('a');
    set.add('b');
    set.add('a');
    set.add('c');
    assert.equal(set.has('b'), false);
    assert.equal(set.has('a'), true);
    assert.equal(set.has('c'), true);
    assert.equal(set.size, 2);
  });

  it('holds nothing with maxSize 0, and refuses negative bounds', () => {
    const set = new ExpiringSet({ ttlMs: 1000, maxSize: 0 });
    set.add('a');
    assert.equal(set.has('a'), false);
    assert.throws(() => new ExpiringSet({ ttlMs: -1, maxSize: 1 }), /ttlMs/);
    assert.throws(() => new ExpiringSet({ ttlMs: 1, maxSize: 0.5 }), /maxSize/);
  });
});
