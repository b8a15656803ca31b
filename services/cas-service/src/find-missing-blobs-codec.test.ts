import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Digest } from '@actiond/digest';
import { FindMissingBlobsRequest, FindMissingBlobsResponse } from '@actiond/proto';
import { FastFindMissingBlobsCodec } from './find-missing-blobs-codec.ts';

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
    // Valid digests come back as Digest instances; compare them as plain messages.
    assert.deepEqual({ ...decoded, blobDigests: decoded.blobDigests.map((d) => ({ hash: d.hash, sizeBytes: d.sizeBytes })) }, expected);
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
