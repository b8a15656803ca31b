import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { DigestFunction_Value, rpc } from '@actiond/proto';
import { ActiondError, MAX_TRAILER_STATUS_BYTES } from './actiond-error.ts';
import { BadRequestDetail, PreconditionFailureDetail } from './detail-type.ts';
import {
  aborted,
  alreadyExists,
  blobSubject,
  cancelled,
  dataLoss,
  deadlineExceeded,
  failedPrecondition,
  internal,
  invalidArgument,
  missingBlobs,
  notFound,
  outOfRange,
  permissionDenied,
  resourceExhausted,
  unavailable,
  unimplemented,
} from './error-constructors.ts';

const sha256 = (c: string) => c.repeat(64);

test('each simple constructor sets its own status code and keeps message and cause', () => {
  const cause = new Error('root');
  const cases: [(m: string, c?: unknown) => ActiondError, status][] = [
    [notFound, status.NOT_FOUND],
    [alreadyExists, status.ALREADY_EXISTS],
    [resourceExhausted, status.RESOURCE_EXHAUSTED],
    [unimplemented, status.UNIMPLEMENTED],
    [internal, status.INTERNAL],
    [deadlineExceeded, status.DEADLINE_EXCEEDED],
    [aborted, status.ABORTED],
    [unavailable, status.UNAVAILABLE],
    [outOfRange, status.OUT_OF_RANGE],
    [dataLoss, status.DATA_LOSS],
    [cancelled, status.CANCELLED],
    [permissionDenied, status.PERMISSION_DENIED],
  ];
  for (const [make, code] of cases) {
    const e = make(`what failed: ${status[code]}`, cause);
    assert.ok(e instanceof ActiondError);
    assert.equal(e.code, code, make.name);
    assert.equal(e.message, `what failed: ${status[code]}`);
    assert.equal(e.cause, cause);
    assert.deepEqual(e.details, []);
  }
});

test('the statics on ActiondError build the same errors as the functions', () => {
  assert.equal(ActiondError.notFound('x').code, status.NOT_FOUND);
  assert.equal(ActiondError.internal('x', 'c').cause, 'c');
  assert.deepEqual(
    ActiondError.missingBlobs([{ hash: sha256('a'), sizeBytes: 1 }]).toStatusProto(),
    missingBlobs([{ hash: sha256('a'), sizeBytes: 1 }]).toStatusProto(),
  );
});

test('invalidArgument with field violations carries a google.rpc.BadRequest', () => {
  const e = invalidArgument('action_digest.size_bytes is negative: -1', [
    { field: 'action_digest.size_bytes', description: 'must be >= 0, got -1' },
  ]);
  assert.equal(e.code, status.INVALID_ARGUMENT);
  const [bad] = e.findDetails(BadRequestDetail);
  assert.deepEqual(bad?.fieldViolations.map((v) => [v.field, v.description]), [
    ['action_digest.size_bytes', 'must be >= 0, got -1'],
  ]);
});

test('invalidArgument without field violations has no details', () => {
  assert.deepEqual(invalidArgument('bad').details, []);
});

test('failedPrecondition with violations carries a google.rpc.PreconditionFailure', () => {
  const e = failedPrecondition('output a/b is a directory', [{ type: 'OUTPUT', subject: 'a/b' }]);
  assert.equal(e.code, status.FAILED_PRECONDITION);
  assert.deepEqual(e.findDetails(PreconditionFailureDetail), [
    { violations: [{ type: 'OUTPUT', subject: 'a/b', description: '' }] },
  ]);
});

test('missingBlobs reports one MISSING violation per blob with subject blobs/{hash}/{size}', () => {
  const digests = [
    { hash: sha256('a'), sizeBytes: 10 },
    { hash: sha256('b'), sizeBytes: 0 },
  ];
  const e = missingBlobs(digests);
  assert.equal(e.code, status.FAILED_PRECONDITION);
  const [failure] = e.findDetails(PreconditionFailureDetail);
  assert.deepEqual(failure?.violations, [
    { type: 'MISSING', subject: `blobs/${sha256('a')}/10`, description: '' },
    { type: 'MISSING', subject: `blobs/${sha256('b')}/0`, description: '' },
  ]);
  assert.match(e.message, new RegExp(`^2 blobs are missing from the CAS: blobs/${sha256('a')}/10, blobs/${sha256('b')}/0$`));
});

test('missingBlobs names the digest function in the subject only for non-classic functions', () => {
  const d = { hash: sha256('c'), sizeBytes: 5 };
  assert.equal(blobSubject(d, DigestFunction_Value.SHA256), `blobs/${d.hash}/5`);
  assert.equal(blobSubject(d, DigestFunction_Value.BLAKE3), `blobs/blake3/${d.hash}/5`);
  assert.equal(blobSubject(d, DigestFunction_Value.SHA256TREE), `blobs/sha256tree/${d.hash}/5`);
  const [failure] = missingBlobs([d], DigestFunction_Value.BLAKE3).findDetails(PreconditionFailureDetail);
  assert.equal(failure?.violations[0]?.subject, `blobs/blake3/${d.hash}/5`);
});

test('missingBlobs names only the first three blobs in its message and counts the rest', () => {
  const digests = 'abcde'.split('').map((c) => ({ hash: sha256(c), sizeBytes: 1 }));
  assert.match(missingBlobs(digests).message, /^5 blobs are missing from the CAS: .* and 2 more$/);
});

test('missingBlobs keeps its status within the trailer budget even for thousands of SHA-512 blobs', () => {
  const digests = Array.from({ length: 5000 }, (_, i) => ({ hash: i.toString(16).padStart(128, '0'), sizeBytes: 2 ** 40 + i }));
  const e = missingBlobs(digests, DigestFunction_Value.SHA512);
  const violations = e.findDetails(PreconditionFailureDetail)[0]?.violations ?? [];
  assert.ok(violations.length > 10, `only ${violations.length} violations`);
  assert.ok(violations.length < 5000);
  assert.equal(violations[0]?.subject, `blobs/${digests[0]?.hash}/${2 ** 40}`);
  const trailer = e.toServiceError().metadata.get('grpc-status-details-bin')[0];
  assert.ok(trailer instanceof Buffer);
  assert.ok(trailer.length <= MAX_TRAILER_STATUS_BYTES);
  // The violations survive into the trailer (they are not dropped for size).
  assert.equal(rpc.Status.decode(trailer).details.length, 1);
});

test('missingBlobs rejects an empty list', () => {
  assert.throws(() => missingBlobs([]), /at least one missing digest/);
});
