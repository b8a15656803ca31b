import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytestream } from '@actiond/proto';
import { FastWriteRequestCodec } from './byte-stream-write-codec.ts';

const encode = (request: bytestream.WriteRequest): Buffer => Buffer.from(bytestream.WriteRequest.encode(request).finish());

describe('FastWriteRequestCodec', () => {
  const cases: bytestream.WriteRequest[] = [
    { resourceName: 'uploads/u/blobs/abc/3', writeOffset: 0, finishWrite: false, data: Buffer.from('abc') },
    { resourceName: '', writeOffset: 2 ** 40 + 5, finishWrite: true, data: Buffer.alloc(70_000, 9) },
    { resourceName: 'main/uploads/ü/blobs/x/0', writeOffset: 0, finishWrite: true, data: Buffer.alloc(0) },
    { resourceName: '', writeOffset: 0, finishWrite: false, data: Buffer.alloc(0) },
  ];

  it('decodes exactly what ts-proto decodes', () => {
    for (const request of cases) {
      const bytes = encode(request);
      assert.deepEqual(FastWriteRequestCodec.decodeRequest(bytes), bytestream.WriteRequest.decode(bytes));
    }
  });

  it('returns data as a view of the message bytes, not a copy', () => {
    const bytes = encode(cases[1]!);
    const decoded = FastWriteRequestCodec.decodeRequest(bytes);
    assert.equal(decoded.data.buffer, bytes.buffer);
    assert.equal(decoded.data.length, 70_000);
  });

  it('leaves unusual shapes to ts-proto: unknown fields, negative offsets, fields in any order', () => {
    const unknownField = Buffer.concat([encode(cases[0]!), Buffer.from([0x20, 0x01])]);
    assert.deepEqual(FastWriteRequestCodec.decodeRequest(unknownField), bytestream.WriteRequest.decode(unknownField));
    const negative = encode({ ...cases[0]!, writeOffset: -1 });
    assert.equal(FastWriteRequestCodec.decodeRequest(negative).writeOffset, -1);
    const reordered = Buffer.concat([Buffer.from([0x52, 0x01, 0x41]), Buffer.from([0x18, 0x01]), Buffer.from([0x0a, 0x01, 0x72])]);
    assert.deepEqual(FastWriteRequestCodec.decodeRequest(reordered), { resourceName: 'r', writeOffset: 0, finishWrite: true, data: Buffer.from('A') });
  });

  it('rejects truncated input as ts-proto does', () => {
    const truncated = encode(cases[0]!).subarray(0, 10);
    assert.throws(() => bytestream.WriteRequest.decode(truncated));
    assert.throws(() => FastWriteRequestCodec.decodeRequest(truncated));
  });

  it('encodes the response as ts-proto does', () => {
    for (const committedSize of [0, 5, -1, 2 ** 40]) {
      assert.deepEqual(FastWriteRequestCodec.encodeResponse({ committedSize }), Buffer.from(bytestream.WriteResponse.encode({ committedSize }).finish()));
    }
  });
});
