import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DigestFunctions } from './digest-functions.ts';
import { UnsupportedDigestFunctionError } from './digest-errors.ts';
import { SHA256 } from './sha256-digest-function.ts';

function rejects(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof UnsupportedDigestFunctionError && pattern.test(err.message));
}

test('SHA256 is found by name (any case), by enum value 1 and by 64-character hashes', () => {
  assert.equal(DigestFunctions.byName('SHA256'), SHA256);
  assert.equal(DigestFunctions.byName('sha256'), SHA256);
  assert.equal(DigestFunctions.byValue(1), SHA256);
  assert.equal(DigestFunctions.byHashLength(64), SHA256);
  assert.deepEqual(DigestFunctions.all, [SHA256]);
});

test('known REAPI functions the server does not implement are rejected by name, naming what is supported', () => {
  rejects(() => DigestFunctions.byName('BLAKE3'), /BLAKE3 is not supported.*supported: SHA256/);
  rejects(() => DigestFunctions.byValue(2), /SHA1 \(2\) is not supported/);
  rejects(() => DigestFunctions.byHashLength(40), /40-character hash means SHA1/);
});

test('values and names that are no REAPI function are rejected as unknown', () => {
  rejects(() => DigestFunctions.byName('ROT13'), /unknown digest function "ROT13"/);
  rejects(() => DigestFunctions.byValue(42), /value 42 is not a REAPI digest function/);
  rejects(() => DigestFunctions.byHashLength(7), /no digest function has 7-character hashes/);
  rejects(() => DigestFunctions.byValue(0), /UNKNOWN \(0\)/);
  rejects(() => DigestFunctions.byName('UNKNOWN'), /unknown digest function/);
});

test('resolve prefers the request field, then the hash length, then the default', () => {
  assert.equal(DigestFunctions.resolve(1, 'ab'), SHA256);
  assert.equal(DigestFunctions.resolve(0, 'a'.repeat(64)), SHA256);
  assert.equal(DigestFunctions.resolve(undefined, undefined), SHA256);
  rejects(() => DigestFunctions.resolve(0, 'a'.repeat(40)), /SHA1/);
  rejects(() => DigestFunctions.resolve(9, 'a'.repeat(64)), /BLAKE3/);
});
