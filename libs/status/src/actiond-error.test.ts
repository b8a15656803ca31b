import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { rpc } from '@actiond/proto';
import { ActiondError, MAX_TRAILER_MESSAGE_BYTES, MAX_TRAILER_STATUS_BYTES, STATUS_DETAILS_TRAILER } from './actiond-error.ts';
import { DebugInfoDetail, PreconditionFailureDetail, packDetail } from './detail-type.ts';
import { missingBlobs, notFound } from './error-constructors.ts';

/** A ServiceError as a grpc-js client call rejects with. */
function serviceError(code: status, details: string, metadata = new Metadata()): ServiceError {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata });
}

test('the constructor rejects OK and codes outside 1..16, naming the code', () => {
  assert.throws(() => new ActiondError(status.OK, 'fine'), /gRPC error code \(1\.\.16\), got 0/);
  assert.throws(() => new ActiondError(17 as status, 'x'), /got 17/);
  assert.throws(() => new ActiondError(1.5 as status, 'x'), /got 1\.5/);
});

test('an ActiondError is an Error with name, code, codeName, message, details and cause', () => {
  const cause = new Error('disk');
  const e = new ActiondError(status.NOT_FOUND, 'action result abc/1 not found', { cause });
  assert.ok(e instanceof Error);
  assert.equal(e.name, 'ActiondError');
  assert.equal(e.code, status.NOT_FOUND);
  assert.equal(e.codeName, 'NOT_FOUND');
  assert.equal(e.message, 'action result abc/1 not found');
  assert.deepEqual(e.details, []);
  assert.equal(e.cause, cause);
});

test('from() returns an ActiondError unchanged', () => {
  const e = notFound('x');
  assert.equal(ActiondError.from(e), e);
});

test('from() keeps a ServiceError code and its message without the code prefix', () => {
  const original = serviceError(status.UNAVAILABLE, 'connection refused');
  const e = ActiondError.from(original);
  assert.equal(e.code, status.UNAVAILABLE);
  assert.equal(e.message, 'connection refused');
  assert.equal(e.cause, original);
});

test('from() recovers the details a ServiceError carries in grpc-status-details-bin', () => {
  const upstream = missingBlobs([{ hash: 'ab'.repeat(32), sizeBytes: 7 }]);
  const metadata = upstream.toServiceError().metadata;
  const e = ActiondError.from(serviceError(status.FAILED_PRECONDITION, upstream.message, metadata));
  assert.deepEqual(e.findDetails(PreconditionFailureDetail), upstream.findDetails(PreconditionFailureDetail));
});

test('from() ignores trailer details whose code disagrees or that do not decode', () => {
  const mismatched = new Metadata();
  mismatched.set(STATUS_DETAILS_TRAILER, Buffer.from(rpc.Status.encode(missingBlobs([{ hash: 'a', sizeBytes: 1 }]).toStatusProto()).finish()));
  assert.deepEqual(ActiondError.from(serviceError(status.INTERNAL, 'x', mismatched)).details, []);
  const garbage = new Metadata();
  garbage.set(STATUS_DETAILS_TRAILER, Buffer.from([0xff, 0xff, 0xff]));
  const e = ActiondError.from(serviceError(status.INTERNAL, 'x', garbage));
  assert.equal(e.code, status.INTERNAL);
  assert.deepEqual(e.details, []);
});

test('from() turns other errors, Node system errors included, into INTERNAL with the original message', () => {
  const enoent = Object.assign(new Error("ENOENT: no such file or directory, open '/cas/ab'"), { code: 'ENOENT', errno: -2 });
  const e = ActiondError.from(enoent);
  assert.equal(e.code, status.INTERNAL);
  assert.equal(e.message, enoent.message);
  assert.equal(e.cause, enoent);
  assert.equal(ActiondError.from(new TypeError('')).message, 'TypeError without a message');
});

test('from() does not mistake an error with an out-of-range numeric code for a ServiceError', () => {
  const odd = Object.assign(new Error('weird'), { code: 99, details: 'd', metadata: new Metadata() });
  assert.equal(ActiondError.from(odd).code, status.INTERNAL);
});

test('from() describes thrown non-Error values', () => {
  assert.equal(ActiondError.from('boom').message, 'non-Error thrown: "boom"');
  assert.equal(ActiondError.from(42).message, 'non-Error thrown: 42');
  assert.equal(ActiondError.from(undefined).code, status.INTERNAL);
  assert.equal(ActiondError.from(Object.create(null)).message, 'non-Error thrown: object');
});

test('toStatusProto() carries code, message and details, and round-trips through the wire', () => {
  const e = missingBlobs([{ hash: 'cd'.repeat(32), sizeBytes: 3 }]);
  const proto = e.toStatusProto();
  assert.equal(proto.code, status.FAILED_PRECONDITION);
  assert.equal(proto.message, e.message);
  const decoded = rpc.Status.decode(rpc.Status.encode(proto).finish());
  assert.deepEqual(decoded, proto);
});

test('toServiceError() gives grpc-js the code, message and the encoded status trailer', () => {
  const e = missingBlobs([{ hash: 'ef'.repeat(32), sizeBytes: 4 }]);
  const se = e.toServiceError();
  assert.ok(se instanceof Error);
  assert.equal(se.code, status.FAILED_PRECONDITION);
  assert.equal(se.details, e.message);
  const raw = se.metadata.get(STATUS_DETAILS_TRAILER)[0];
  assert.ok(raw instanceof Buffer);
  assert.deepEqual(rpc.Status.decode(raw), e.toStatusProto());
});

test('toServiceError() cuts an overlong message to the trailer budget without splitting characters', () => {
  const e = new ActiondError(status.INTERNAL, 'é'.repeat(5000));
  const se = e.toServiceError();
  assert.ok(Buffer.byteLength(se.details) <= MAX_TRAILER_MESSAGE_BYTES);
  assert.match(se.details, /^é+ \[truncated\]$/);
});

test('toServiceError() drops details that would overflow the trailer budget but keeps code and message', () => {
  const huge = packDetail(DebugInfoDetail, { stackEntries: [], detail: 'x'.repeat(MAX_TRAILER_STATUS_BYTES) });
  const e = new ActiondError(status.INTERNAL, 'stack too deep', { details: [huge] });
  const raw = e.toServiceError().metadata.get(STATUS_DETAILS_TRAILER)[0];
  assert.ok(raw instanceof Buffer);
  assert.deepEqual(rpc.Status.decode(raw), { code: status.INTERNAL, message: 'stack too deep', details: [] });
  // The full details stay available for ExecuteResponse.status.
  assert.equal(e.toStatusProto().details.length, 1);
});
