import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { SHA256 } from '@actiond/digest';
import { DigestFunction_Value } from '@actiond/proto';
import { ActiondError } from '@actiond/status';
import { parseRequestDigest } from './request-digest.ts';
import { requestDigestFunction } from './request-digest-function.ts';

const blob = SHA256.compute(Buffer.from('x'));

function invalid(message: RegExp) {
  return (err: unknown) => err instanceof ActiondError && err.code === status.INVALID_ARGUMENT && message.test(err.message);
}

describe('parseRequestDigest', () => {
  it('returns a Digest for a valid message', () => {
    assert.ok(parseRequestDigest({ hash: blob.hash, sizeBytes: 1 }, 'digest', SHA256).equals(blob));
  });

  it('names the field when the digest is absent, malformed or negative', () => {
    assert.throws(() => parseRequestDigest(undefined, 'root_digest', SHA256), invalid(/^root_digest is missing$/));
    assert.throws(() => parseRequestDigest({ hash: 'abc', sizeBytes: 1 }, 'blob_digests[2]', SHA256), invalid(/^blob_digests\[2\]: .*has 3 characters/));
    assert.throws(() => parseRequestDigest({ hash: blob.hash, sizeBytes: -1 }, 'digests[0]', SHA256), invalid(/^digests\[0\]: invalid size -1/));
  });
});

describe('requestDigestFunction', () => {
  it('takes UNKNOWN and SHA256 as SHA256', () => {
    assert.equal(requestDigestFunction(DigestFunction_Value.UNKNOWN, SHA256), SHA256);
    assert.equal(requestDigestFunction(DigestFunction_Value.SHA256, SHA256), SHA256);
  });

  it('refuses every other function by name, and numbers REAPI does not define', () => {
    assert.throws(
      () => requestDigestFunction(DigestFunction_Value.BLAKE3, SHA256),
      invalid(/^unsupported digest function BLAKE3; this server supports SHA256$/),
    );
    assert.throws(() => requestDigestFunction(DigestFunction_Value.SHA1, SHA256), invalid(/unsupported digest function SHA1/));
    assert.throws(() => requestDigestFunction(77, SHA256), invalid(/unsupported digest function 77 \(not a REAPI digest function\)/));
  });
});
