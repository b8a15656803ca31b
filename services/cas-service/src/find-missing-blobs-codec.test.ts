import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Digest } from '@actiond/digest';
import { FindMissingBlobsRequest, FindMissingBlobsResponse } from '@actiond/proto';
import { FastFindMissingBlobsCodec } from './find-missing-blobs-codec.ts';
import { FindMissingBlobsWireRequest } from './find-missing-blobs-wire-request.ts';
import { FindMissingBlobsWireResponse } from './find-missing-blobs-wire-response.ts';

const HASH = 'ab'.repeat(32);

/** Protobuf bytes written by hand, for wire shapes the generated encoder never produces. */
function varint(value: number): number[] {
  const out: number[] = [];
  while (value >= 128) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}
function bytesField(tag: number, content: number[] | string): number[] {
  const body = typeof content === 'string' ? [...Buffer.from(content)] : content;
  return [tag, ...varint(body.length), ...body];
}

function decodedAlike(bytes: Uint8Array): void {
  const buffer = Buffer.from(bytes);
  let expected: unknown;
  let expectedError: unknown;
  try {
    expected = FindMissingBlobsRequest.decode(buffer);
  } catch (err) {
    expectedError = err;
  }
  if (expectedError !== undefined) {
    assert.throws(() => FastFindMissingBlobsCodec.decodeRequest(buffer));
  } else {
    const decoded = FastFindMissingBlobsCodec.decodeRequest(buffer);
    // Valid digests come back as Digest instances, and a request left in its bytes
    // has its digests behind a getter; compare the fields as plain messages.
    const { instanceName, digestFunction, blobDigests } = decoded;
    assert.deepEqual({ instanceName, blobDigests: blobDigests.map((d) => ({ hash: d.hash, sizeBytes: d.sizeBytes })), digestFunction }, expected);
  }
}

test('requests decode to what ts-proto decodes, for plain and odd wire shapes', () => {
  const plain: FindMissingBlobsRequest = {
    instanceName: 'main/ü',
    digestFunction: 1,
    blobDigests: [{ hash: HASH, sizeBytes: 5 }, { hash: '', sizeBytes: 0 }, { hash: 'XYZ', sizeBytes: 2 ** 48 }, { hash: HASH, sizeBytes: 2 ** 53 - 1 }],
  };
  decodedAlike(FindMissingBlobsRequest.encode(plain).finish());
  decodedAlike(FindMissingBlobsRequest.encode({ instanceName: '', digestFunction: 0, blobDigests: [] }).finish());
  // A negative size (10-byte varint), a non-ASCII hash, an unknown field, a mis-typed field: all as ts-proto reads them.
  decodedAlike(FindMissingBlobsRequest.encode({ instanceName: '', digestFunction: 0, blobDigests: [{ hash: HASH, sizeBytes: -1 }] }).finish());
  decodedAlike(FindMissingBlobsRequest.encode({ instanceName: '', digestFunction: 0, blobDigests: [{ hash: 'é'.repeat(32), sizeBytes: 1 }] }).finish());
  decodedAlike(Uint8Array.from([...bytesField(18, [...bytesField(10, HASH), 24, 7]), 40, 3]));
  decodedAlike(Uint8Array.from([16, 3, ...bytesField(18, bytesField(18, 'x'))]));
  // Fields repeated within a digest: the last one wins, in both.
  decodedAlike(Uint8Array.from(bytesField(18, [...bytesField(10, 'aa'), ...bytesField(10, HASH), 16, 3, 16, 4])));
  // A negative digest function (10-byte varint).
  decodedAlike(Uint8Array.of(24, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01));
});

test('valid SHA-256 digests decode to Digest instances, others to plain messages', () => {
  const bytes = FindMissingBlobsRequest.encode({ instanceName: '', digestFunction: 1, blobDigests: [{ hash: HASH, sizeBytes: 3 }, { hash: HASH.toUpperCase(), sizeBytes: 3 }] }).finish();
  const [valid, upper] = FastFindMissingBlobsCodec.decodeRequest(Buffer.from(bytes)).blobDigests;
  assert.ok(valid instanceof Digest && valid.equals(Digest.parse(HASH, 3)));
  assert.ok(!(upper instanceof Digest));
  assert.deepEqual(upper, { hash: HASH.toUpperCase(), sizeBytes: 3 });
});

test('truncated and malformed requests are rejected as ts-proto rejects them', () => {
  const whole = FindMissingBlobsRequest.encode({ instanceName: 'x', digestFunction: 1, blobDigests: [{ hash: HASH, sizeBytes: 300 }] }).finish();
  for (let cut = 1; cut < whole.length; cut++) decodedAlike(whole.subarray(0, cut));
  decodedAlike(Uint8Array.of(18, 0xff, 0xff, 0xff, 0xff, 0x0f));
  decodedAlike(Uint8Array.of(0));
});

test('responses encode to the bytes ts-proto writes, including default-valued fields and non-ASCII hashes', () => {
  const cases: FindMissingBlobsResponse[] = [
    { missingBlobDigests: [] },
    { missingBlobDigests: [{ hash: HASH, sizeBytes: 0 }, { hash: '', sizeBytes: 7 }, { hash: HASH, sizeBytes: 2 ** 53 - 1 }, { hash: 'a'.repeat(200), sizeBytes: 128 }] },
    { missingBlobDigests: [{ hash: 'ü', sizeBytes: 1 }, { hash: HASH, sizeBytes: -5 }] },
  ];
  for (const response of cases) {
    assert.deepEqual(FastFindMissingBlobsCodec.encodeResponse(response), Buffer.from(FindMissingBlobsResponse.encode(response).finish()));
  }
});

test('requests of plain valid SHA-256 digests stay in their bytes; any other shape is decoded the general way', () => {
  const HASH2 = '0f'.repeat(32);
  const plain = FindMissingBlobsRequest.encode({
    instanceName: 'main/ü',
    digestFunction: 1,
    blobDigests: [{ hash: HASH, sizeBytes: 5 }, { hash: HASH2, sizeBytes: 0 }, { hash: HASH, sizeBytes: 2 ** 49 - 1 }, { hash: HASH2, sizeBytes: 300 }],
  }).finish();
  const wire = FastFindMissingBlobsCodec.decodeRequest(Buffer.from(plain));
  assert.ok(wire instanceof FindMissingBlobsWireRequest);
  decodedAlike(plain);
  // Fields in another order, as protobuf allows: the same request.
  const hashField = bytesField(10, HASH);
  const reordered = Uint8Array.from([24, 1, ...bytesField(18, [...hashField, 16, 5]), ...bytesField(10, 'main')]);
  assert.ok(FastFindMissingBlobsCodec.decodeRequest(Buffer.from(reordered)) instanceof FindMissingBlobsWireRequest);
  decodedAlike(reordered);
  const general = [
    // size 0 written out, a non-minimal size varint, the size before the hash, a repeated hash field
    bytesField(18, [...hashField, 16, 0]),
    bytesField(18, [...hashField, 16, 0x85, 0x00]),
    bytesField(18, [16, 5, ...hashField]),
    bytesField(18, [...bytesField(10, HASH2), ...hashField, 16, 5]),
    // hashes that are not 64 lowercase hex digits, a size of 2^49 or more
    bytesField(18, [...bytesField(10, HASH.toUpperCase()), 16, 5]),
    bytesField(18, [...bytesField(10, HASH.slice(2)), 16, 5]),
    bytesField(18, [...bytesField(10, `${HASH}ab`), 16, 5]),
    bytesField(18, [...hashField, 16, ...varint(2 ** 49)]),
    // an unknown field in a digest and in the request, a large digest_function
    bytesField(18, [...hashField, 16, 5, 24, 1]),
    [...bytesField(18, [...hashField, 16, 5]), 32, 1],
    [...bytesField(18, [...hashField, 16, 5]), 24, 0x80, 0x01],
    // truncated entry
    bytesField(18, [...hashField, 16, 5]).slice(0, 40),
  ];
  for (const shape of general) {
    const bytes = Uint8Array.from(shape);
    let decoded: unknown;
    try {
      decoded = FastFindMissingBlobsCodec.decodeRequest(Buffer.from(bytes));
    } catch {
      // Rejected: decodedAlike checks ts-proto rejects it too.
    }
    assert.ok(!(decoded instanceof FindMissingBlobsWireRequest), `${Buffer.from(bytes).toString('hex')} stayed in its bytes`);
    decodedAlike(bytes);
  }
});

test('a request kept in its bytes tells where each digest entry and hash lie', () => {
  const bytes = Buffer.from(FindMissingBlobsRequest.encode({ instanceName: 'x', digestFunction: 0, blobDigests: [{ hash: HASH, sizeBytes: 0 }, { hash: HASH, sizeBytes: 300 }] }).finish());
  const wire = FastFindMissingBlobsCodec.decodeRequest(bytes) as FindMissingBlobsWireRequest;
  assert.equal(wire.count, 2);
  assert.deepEqual([...wire.sizes], [0, 300]);
  // instance_name takes 3 bytes; the first entry 2 + 66, the second 2 + 66 + 3.
  assert.deepEqual([...wire.entryStarts], [3, 71]);
  assert.deepEqual([wire.entryEnd(0), wire.entryEnd(1)], [71, 142]);
  assert.equal(bytes.toString('latin1', wire.hashStart(1), wire.hashStart(1) + 64), HASH);
  const [first] = wire.blobDigests;
  assert.ok(first instanceof Digest && first.equals(Digest.parse(HASH, 0)));
});

test('a response already in bytes is sent as those bytes, and reads back as its digests', () => {
  const encoded = Buffer.from(FindMissingBlobsResponse.encode({ missingBlobDigests: [{ hash: HASH, sizeBytes: 7 }] }).finish());
  const response = new FindMissingBlobsWireResponse(encoded);
  assert.equal(FastFindMissingBlobsCodec.encodeResponse(response), encoded);
  assert.deepEqual(response.missingBlobDigests, [{ hash: HASH, sizeBytes: 7 }]);
});

test('a hash stays in the bytes only when all 64 of its bytes are lowercase hex digits: every byte value at every position', () => {
  const template = Buffer.from(FindMissingBlobsRequest.encode({ instanceName: '', digestFunction: 0, blobDigests: [{ hash: HASH, sizeBytes: 9 }] }).finish());
  const hashStart = 4;
  assert.equal(template.toString('latin1', hashStart, hashStart + 64), HASH);
  for (let position = 0; position < 64; position++) {
    for (let value = 0; value < 256; value++) {
      const bytes = Buffer.from(template);
      bytes[hashStart + position] = value;
      const lowerHex = (value >= 0x30 && value <= 0x39) || (value >= 0x61 && value <= 0x66);
      assert.equal(FindMissingBlobsWireRequest.decode(bytes) !== undefined, lowerHex, `byte ${value} at ${position}`);
    }
  }
});
