import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Digest, type DigestFunction, SHA256 } from '@actiond/digest';
import { ExistenceIndex } from './existence-index.ts';

const HASH = 'ef'.repeat(32);

/** index.hasHex for the digest's hash written as ASCII in the middle of a larger buffer, as in a request. */
function hasHexOf(index: ExistenceIndex, digest: Digest): boolean {
  const bytes = Buffer.from(`xyz${digest.hash}0123`, 'latin1');
  return index.hasHex(bytes, 3, digest.hash.length, digest.sizeBytes);
}

test('a blob is present only with the exact size it was stored with', () => {
  const index = new ExistenceIndex();
  index.add(HASH, 10);
  assert.ok(index.has(Digest.parse(HASH, 10)));
  assert.ok(!index.has(Digest.parse(HASH, 11)));
  assert.ok(!index.has(Digest.parse('ee'.repeat(32), 10)));
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
  index.remove(Digest.parse(HASH, 10));
  assert.equal(index.count, 0);
});

test('adding a hash again replaces its size instead of adding a member', () => {
  const index = new ExistenceIndex();
  index.add(HASH, 1);
  index.add(HASH, 2);
  assert.equal(index.count, 1);
  assert.ok(index.has(Digest.parse(HASH, 2)) && !index.has(Digest.parse(HASH, 1)));
});

test('hashes sharing their first 8 hex digits are told apart by the full hash', () => {
  const index = new ExistenceIndex();
  const same = (tail: string): string => `01234567${tail.repeat(56 / tail.length)}`;
  for (const tail of ['a', 'b', 'c', 'd']) index.add(same(tail), 1);
  index.remove(Digest.parse(same('b'), 1));
  assert.deepEqual(['a', 'b', 'c', 'd', 'e'].map((tail) => index.has(Digest.parse(same(tail), 1))), [true, false, true, true, false]);
});

test('random adds and removes agree with a Map model through several resizes', () => {
  // Deterministic xorshift PRNG so a failure reproduces.
  let state = 0x2545f491;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  // A small pool of prefixes forces long probe runs and backward shifts across them.
  const hashOf = (n: number): string => `${(n % 37).toString(16).padStart(8, '0')}${n.toString(16).padStart(56, '0')}`;
  const probes = new Map(Array.from({ length: 6_000 }, (_, m) => [hashOf(m), [0, 1, 2].map((s) => Digest.parse(hashOf(m), s))] as const));
  const hexBytes = new Map([...probes.keys()].map((h) => [h, Buffer.from(h, 'latin1')]));
  const index = new ExistenceIndex();
  const model = new Map<string, number>();
  for (let step = 0; step < 40_000; step++) {
    const n = next() % 6_000;
    const hash = hashOf(n);
    const size = next() % 3;
    const op = next() % 3;
    if (op === 0) {
      index.remove(Digest.parse(hash, size));
      if (model.get(hash) === size) model.delete(hash);
    } else {
      index.add(hash, size);
      model.set(hash, size);
    }
    if (step % 4_999 === 0 || step === 39_999) {
      assert.equal(index.count, model.size, `count at step ${step}`);
      for (const [h, sizes] of probes) {
        sizes.forEach((digest, s) => {
          assert.equal(index.has(digest), model.get(h) === s, `${h}/${s} at step ${step}`);
          assert.equal(index.hasHex(hexBytes.get(h)!, 0, 64, s), model.get(h) === s, `hasHex ${h}/${s} at step ${step}`);
        });
      }
    }
  }
});

test('removals keep every member findable when probe runs wrap around the end of the table', () => {
  // Many distinct prefixes at a load that keeps the table small, with fixed seeds so
  // the runs that cross the table's end are the same on every run.
  const hashOf = (n: number): string =>
    `${(Math.imul(n + 1, 0x9e3779b1) >>> 0).toString(16).padStart(8, '0')}${n.toString(16).padStart(56, '0')}`;
  const digests = Array.from({ length: 900 }, (_, n) => Digest.parse(hashOf(n), 1));
  for (const seed of [1, 2, 3, 4]) {
    const index = new ExistenceIndex({ seed });
    const model = new Set<number>();
    let state = seed * 7919;
    for (let step = 0; step < 6_000; step++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      const n = (state >>> 8) % digests.length;
      if (model.has(n)) {
        index.remove(digests[n]!);
        model.delete(n);
      } else {
        index.add(digests[n]!.hash, 1);
        model.add(n);
      }
      if (step % 25 === 0) {
        digests.forEach((digest, m) => assert.equal(index.has(digest), model.has(m), `seed ${seed} step ${step} member ${m}`));
      }
    }
  }
});

test('hasHex on request bytes answers as has() on the parsed digest: exact size, full hash, exact length', () => {
  const index = new ExistenceIndex({ seed: 7 });
  const same = (tail: string): string => `01234567${tail.repeat(56 / tail.length)}`;
  for (const tail of ['a', 'b', 'c']) index.add(same(tail), 5);
  index.remove(Digest.parse(same('b'), 5));
  for (const tail of ['a', 'b', 'c', 'd']) {
    for (const size of [0, 5, 6]) {
      const digest = Digest.parse(same(tail), size);
      assert.equal(hasHexOf(index, digest), index.has(digest), `${digest}`);
    }
  }
  assert.ok(hasHexOf(index, Digest.parse(same('a'), 5)));
  // Only as many bytes as `length` are the hash: a stored hash is not found by a longer or shorter text.
  const bytes = Buffer.from(`${same('a')}ff`, 'latin1');
  assert.ok(index.hasHex(bytes, 0, 64, 5));
  assert.ok(!index.hasHex(bytes, 0, 66, 5));
  assert.ok(!index.hasHex(bytes, 0, 62, 5));
});

test('an index holds hashes of its digest function\'s length only, refusing others by name', () => {
  const long = 'cd'.repeat(64);
  const index = new ExistenceIndex({ hashLengthHex: 128, seed: 3 });
  index.add(long, 9);
  // Digest.parse needs only the length and name of a function with 128-digit hashes.
  const long512 = { name: 'SHA512', hashLengthHex: 128 } as DigestFunction;
  assert.ok(index.has(Digest.parse(long, 9, long512)));
  assert.ok(index.hasHex(Buffer.from(long, 'latin1'), 0, 128, 9));
  assert.ok(!index.hasHex(Buffer.from(long, 'latin1'), 0, 64, 9));
  assert.ok(!index.has(Digest.parse(HASH, 9, SHA256)));
  assert.throws(() => index.add(HASH, 9), /has 64 hex digits; this index holds hashes of 128/);
  assert.throws(() => new ExistenceIndex({ hashLengthHex: 63 }), /even number of hex digits/);
  assert.throws(() => new ExistenceIndex({ hashLengthHex: 6 }), /at least 8/);
});

test('entries keep their hashes and sizes as the entry storage grows and members move on removal', () => {
  const index = new ExistenceIndex({ seed: 11 });
  const hashOf = (n: number): string => createHash('sha256').update(String(n)).digest('hex');
  for (let n = 0; n < 3_000; n++) index.add(hashOf(n), n * 1_000_003);
  for (let n = 0; n < 3_000; n += 3) index.remove(Digest.parse(hashOf(n), n * 1_000_003));
  assert.equal(index.count, 2_000);
  for (let n = 0; n < 3_000; n++) {
    assert.equal(index.has(Digest.parse(hashOf(n), n * 1_000_003)), n % 3 !== 0, `blob ${n}`);
    assert.ok(!index.has(Digest.parse(hashOf(n), n * 1_000_003 + 1)));
  }
});
