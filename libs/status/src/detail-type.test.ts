import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Any, rpc } from '@actiond/proto';
import { BadRequestDetail, PreconditionFailureDetail, RetryInfoDetail, packDetail, unpackDetails } from './detail-type.ts';

test('packDetail uses the type.googleapis.com URL of the message type', () => {
  const any = packDetail(PreconditionFailureDetail, { violations: [] });
  assert.equal(any.typeUrl, 'type.googleapis.com/google.rpc.PreconditionFailure');
});

test('a packed detail survives an encode/decode round trip of its google.rpc.Status', () => {
  const failure: rpc.PreconditionFailure = {
    violations: [{ type: 'MISSING', subject: 'blobs/abc/3', description: '' }],
  };
  const status = rpc.Status.create({ code: 9, message: 'm', details: [packDetail(PreconditionFailureDetail, failure)] });
  const decoded = rpc.Status.decode(rpc.Status.encode(status).finish());
  assert.deepEqual(unpackDetails(decoded.details, PreconditionFailureDetail), [failure]);
});

test('unpackDetails returns only details of the asked type, in order', () => {
  const details = [
    packDetail(BadRequestDetail, { fieldViolations: [] }),
    packDetail(RetryInfoDetail, { retryDelay: { seconds: 1, nanos: 0 } }),
    packDetail(RetryInfoDetail, { retryDelay: { seconds: 2, nanos: 0 } }),
  ];
  assert.deepEqual(
    unpackDetails(details, RetryInfoDetail).map((r) => r.retryDelay?.seconds),
    [1, 2],
  );
});

test('unpackDetails accepts any host prefix in the type URL', () => {
  const detail = Any.create({
    typeUrl: 'example.org/google.rpc.BadRequest',
    value: Buffer.from(rpc.BadRequest.encode({ fieldViolations: [{ field: 'f', description: 'd', reason: '', localizedMessage: undefined }] }).finish()),
  });
  assert.equal(unpackDetails([detail], BadRequestDetail)[0]?.fieldViolations[0]?.field, 'f');
});

test('unpackDetails names the type when a matching detail does not decode', () => {
  const corrupt = Any.create({ typeUrl: 'type.googleapis.com/google.rpc.BadRequest', value: Buffer.from([0x0a, 0x05, 0x01]) });
  assert.throws(() => unpackDetails([corrupt], BadRequestDetail), /does not decode as google\.rpc\.BadRequest/);
});
