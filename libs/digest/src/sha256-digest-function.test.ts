import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SHA256 } from './sha256-digest-function.ts';

test('SHA256 carries its REAPI name, enum value and hash length', () => {
  assert.equal(SHA256.name, 'SHA256');
  assert.equal(SHA256.reapiValue, 1);
  assert.equal(SHA256.hashLengthHex, 64);
  assert.equal(SHA256.directoryName, 'sha256');
});

test('the empty digest is the SHA-256 of zero bytes with size 0', () => {
  assert.equal(SHA256.emptyDigest.hash, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(SHA256.emptyDigest.sizeBytes, 0);
  assert.equal(SHA256.emptyDigest, SHA256.emptyDigest);
});

test('an incremental hasher over chunks equals hashing the whole at once', () => {
  const hasher = SHA256.createHasher();
  hasher.update(Buffer.from('hel'));
  hasher.update(Buffer.from('lo'));
  assert.equal(hasher.digestHex(), SHA256.compute(Buffer.from('hello')).hash);
});

test('compute hashes known test vectors', () => {
  assert.equal(SHA256.compute(Buffer.from('abc')).hash, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(SHA256.compute(Buffer.from('abc')).sizeBytes, 3);
});
