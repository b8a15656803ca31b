import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ActionResult,
  Any,
  bytestream,
  Digest,
  DigestFunction_Value,
  ExecuteResponse,
  ExecutionService,
  longrunning,
  rpc,
} from './index.ts';

test('Digest encodes to the canonical wire bytes (fields in number order, int64 as varint)', () => {
  const bytes = Digest.encode({ hash: 'ab', sizeBytes: 300 }).finish();
  // field 1 (string, len 2) "ab", field 2 (varint) 300 = 0xac 0x02
  assert.deepEqual([...bytes], [0x0a, 0x02, 0x61, 0x62, 0x10, 0xac, 0x02]);
  assert.deepEqual(Digest.decode(bytes), { hash: 'ab', sizeBytes: 300 });
});

test('decoding an int64 above 2^53 throws instead of silently rounding', () => {
  // size_bytes = 2^60 as a varint
  const huge = Uint8Array.from([0x10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]);
  assert.throws(() => Digest.decode(huge), /MAX_SAFE_INTEGER/);
});

test('enums are plain const objects with the spec values', () => {
  assert.equal(DigestFunction_Value.SHA256, 1);
  assert.equal(DigestFunction_Value.BLAKE3, 9);
  assert.equal(rpc.Code.FAILED_PRECONDITION, 9);
  assert.equal(Object.values(DigestFunction_Value).includes(-1 as never), false);
});

test('an ExecuteResponse round-trips inside an Operation packed as Any', () => {
  const response = ExecuteResponse.create({
    result: ActionResult.create({ exitCode: 3, stdoutRaw: Buffer.of(1, 2) }),
    status: rpc.Status.create({ code: rpc.Code.DEADLINE_EXCEEDED, message: 'timed out after 5s' }),
    serverLogs: { worker: { digest: { hash: 'ab', sizeBytes: 1 }, humanReadable: true } },
  });
  const op = longrunning.Operation.create({
    name: 'op-1',
    done: true,
    response: Any.create({
      typeUrl: 'type.googleapis.com/build.bazel.remote.execution.v2.ExecuteResponse',
      value: Buffer.from(ExecuteResponse.encode(response).finish()),
    }),
  });
  const decoded = longrunning.Operation.decode(longrunning.Operation.encode(op).finish());
  assert.ok(decoded.response);
  assert.deepEqual(ExecuteResponse.decode(decoded.response.value), response);
});

test('service definitions carry the REAPI method paths and streaming flags', () => {
  assert.equal(ExecutionService.execute.path, '/build.bazel.remote.execution.v2.Execution/Execute');
  assert.equal(ExecutionService.execute.responseStream, true);
  assert.equal(bytestream.ByteStreamService.write.path, '/google.bytestream.ByteStream/Write');
  assert.equal(bytestream.ByteStreamService.write.requestStream, true);
});
