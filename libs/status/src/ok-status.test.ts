import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { rpc } from '@actiond/proto';
import { okStatus } from './ok-status.ts';

test('okStatus is code OK with no message or details, and encodes to zero bytes', () => {
  const ok = okStatus();
  assert.deepEqual(ok, { code: status.OK, message: '', details: [] });
  assert.equal(rpc.Status.encode(ok).finish().length, 0);
});
