import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { ActiondError } from '@actiond/status';
import { parseGrpcTimeout } from './grpc-timeout.ts';

describe('parseGrpcTimeout', () => {
  it('converts every unit of the gRPC protocol to milliseconds', () => {
    assert.equal(parseGrpcTimeout('2H'), 7_200_000);
    assert.equal(parseGrpcTimeout('3M'), 180_000);
    assert.equal(parseGrpcTimeout('30S'), 30_000);
    assert.equal(parseGrpcTimeout('250m'), 250);
    assert.equal(parseGrpcTimeout('1500u'), 1.5);
    assert.equal(parseGrpcTimeout('99999999n'), 99.999999);
  });

  it('refuses a malformed value as INVALID_ARGUMENT quoting it', () => {
    for (const value of ['', '30', 'S', '30s', '123456789S', ' 30S', '30 S', '-1S', '1.5S']) {
      assert.throws(
        () => parseGrpcTimeout(value),
        (err: unknown) => err instanceof ActiondError && err.code === status.INVALID_ARGUMENT && err.message.includes(JSON.stringify(value)),
        value,
      );
    }
  });
});
