import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Digest } from './digest.ts';
import { InvalidDigestError } from './digest-errors.ts';
import { SHA256 } from './sha256-digest-function.ts';

const HASH = 'ab'.repeat(32);

test('parse accepts a 64-character lowercase hex hash and a numeric size', () => {
  const digest = Digest.parse(HASH, 12);
  assert.equal(digest.hash, HASH);
  assert.equal(digest.sizeBytes, 12);
});

test('parse accepts sizes given as bigint or decimal string, as protobuf int64 may arrive', () => {
  assert.equal(Digest.parse(HASH, 12n).sizeBytes, 12);
  assert.equal(Digest.parse(HASH, '12').sizeBytes, 12);
  assert.equal(Digest.parse(HASH, '0').sizeBytes, 0);
  assert.equal(Digest.parse(HASH, BigInt(Number.MAX_SAFE_INTEGER)).sizeBytes, Number.MAX_SAFE_INTEGER);
});

test('parse rejects a hash of the wrong length and names the hash and the expected length', () => {
  assert.throws(
    () => Digest.parse('abc', 1),
    (err: unknown) =>
      err instanceof InvalidDigestError && /"abc"/.test(err.message) && /3 characters/.test(err.message) && /64/.test(err.message),
  );
});

test('parse rejects uppercase or non-hex hashes, naming the hash', () => {
  const upper = HASH.toUpperCase();
  assert.throws(() => Digest.parse(upper, 1), (err: unknown) => err instanceof InvalidDigestError && err.message.includes(upper));
  const nonHex = 'g'.repeat(64);
  assert.throws(() => Digest.parse(nonHex, 1), (err: unknown) => err instanceof InvalidDigestError && err.message.includes(nonHex) && /not lowercase hex/.test(err.message));
});

test('parse rejects negative, fractional, unsafe and non-numeric sizes, naming the size', () => {
  for (const bad of [-1, 1.5, Number.NaN, Infinity, Number.MAX_SAFE_INTEGER + 1, -1n, 2n ** 63n, '-1', '1e3', '', ' 1', '0x10', '9007199254740993']) {
    assert.throws(
      () => Digest.parse(HASH, bad),
      (err: unknown) => err instanceof InvalidDigestError && err.message.includes(String(bad)) && err.message.includes(HASH),
      `size ${String(bad)} should be rejected`,
    );
  }
});

test('parse cuts a huge hash short in its error message', () => {
  const huge = 'x'.repeat(100_000);
  assert.throws(() => Digest.parse(huge, 1), (err: unknown) => err instanceof InvalidDigestError && err.message.length < 400 && /100000 characters/.test(err.message));
});

test('parse rejects a hash that is not a string', () => {
  assert.throws(() => Digest.parse(undefined as unknown as string, 1), InvalidDigestError);
});

test('key and toString are "hash/size" and fromKey inverts them', () => {
  const digest = Digest.parse(HASH, 42);
  assert.equal(digest.key, `${HASH}/42`);
  assert.equal(String(digest), `${HASH}/42`);
  assert.ok(Digest.fromKey(digest.key).equals(digest));
  assert.throws(() => Digest.fromKey(HASH), (err: unknown) => err instanceof InvalidDigestError && /hash\/size/.test(err.message));
  assert.throws(() => Digest.fromKey(`${HASH}/-3`), InvalidDigestError);
});

test('equals compares hash and size', () => {
  assert.ok(Digest.parse(HASH, 1).equals(Digest.parse(HASH, 1n)));
  assert.ok(!Digest.parse(HASH, 1).equals(Digest.parse(HASH, 2)));
  assert.ok(!Digest.parse(HASH, 1).equals(Digest.parse('cd'.repeat(32), 1)));
});

test('a digest is immutable', () => {
  const digest = Digest.parse(HASH, 1);
  assert.throws(() => {
    (digest as { sizeBytes: number }).sizeBytes = 2;
  }, TypeError);
  assert.equal(digest.sizeBytes, 1);
});

test('a digest is structurally a REAPI Digest message', () => {
  const message: { hash: string; sizeBytes: number } = SHA256.compute(Buffer.from('hello'));
  assert.deepEqual({ ...message }, { hash: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824', sizeBytes: 5 });
});

test('fromHexBytes accepts exactly what parse accepts, reading the hash from bytes', () => {
  const hash = 'ab'.repeat(32);
  const framed = Buffer.from(`xx${hash}yy`, 'latin1');
  const digest = Digest.fromHexBytes(framed, 2, 66, 7);
  assert.ok(digest instanceof Digest);
  assert.ok(digest.equals(Digest.parse(hash, 7)));
  const rejected: [string, number][] = [
    ['AB'.repeat(32), 1], // uppercase
    ['ab'.repeat(31), 1], // short
    ['ab'.repeat(32) + 'a', 1], // long
    ['g' + 'a'.repeat(63), 1], // not hex
    [hash, -1],
    [hash, 2 ** 53],
    [hash, 1.5],
  ];
  for (const [text, size] of rejected) {
    const bytes = Buffer.from(text, 'latin1');
    assert.equal(Digest.fromHexBytes(bytes, 0, bytes.length, size), undefined, `${text}/${size}`);
    assert.throws(() => Digest.parse(text, size), `${text}/${size} is rejected by parse too`);
  }
  assert.equal(Digest.fromHexBytes(Buffer.from('é'.repeat(32) + 'a'.repeat(32)), 0, 64, 1), undefined);
});
