import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { SHA256 } from '@actiond/digest';
import { ActiondError } from '@actiond/status';
import { decodeGetTreePageToken, encodeGetTreePageToken } from './get-tree-page-token.ts';

const root = SHA256.compute(Buffer.from('root'));
const other = SHA256.compute(Buffer.from('other'));

function invalid(fragment: string) {
  return (err: unknown) => err instanceof ActiondError && err.code === status.INVALID_ARGUMENT && err.message.includes(fragment);
}

describe('GetTree page tokens', () => {
  it('round-trip an offset for the same root; "" is the start', () => {
    assert.equal(decodeGetTreePageToken('', root), 0);
    for (const offset of [0, 1, 1000, 123456789]) {
      const token = encodeGetTreePageToken(root, offset);
      assert.match(token, /^[A-Za-z0-9_-]+$/);
      assert.equal(decodeGetTreePageToken(token, root), offset);
    }
  });

  it('refuses a token issued for another root', () => {
    assert.throws(() => decodeGetTreePageToken(encodeGetTreePageToken(other, 5), root), invalid(`issued for root directory ${other.key}, not ${root.key}`));
  });

  it('refuses garbage, tampered and oversized tokens without echoing them whole', () => {
    const good = encodeGetTreePageToken(root, 7);
    for (const bad of [
      'garbage',
      '!!!!',
      good.slice(0, -3),
      Buffer.from(`gettree.v1/${root.hash}/${root.sizeBytes}/-1`).toString('base64url'),
      Buffer.from(`gettree.v2/${root.hash}/${root.sizeBytes}/1`).toString('base64url'),
      Buffer.from(`gettree.v1/${root.hash}/${root.sizeBytes}/99999999999999999999`).toString('base64url'),
      'A'.repeat(10_000),
    ]) {
      assert.throws(() => decodeGetTreePageToken(bad, root), (err: unknown) => invalid('is not a GetTree page token issued by this server')(err) && (err as Error).message.length < 400, bad.slice(0, 40));
    }
  });
});
