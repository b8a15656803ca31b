import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { ActiondError } from '@actiond/status';
import { frameGrpcMessage, GrpcMessageDecoder } from './grpc-message-decoder.ts';

const WHAT = 'svc/Method';

/** Feeds `bytes` to a fresh decoder in pieces of `size` and returns every message, as strings. */
function decodeInPieces(bytes: Buffer, size: number, max = 1024): string[] {
  const decoder = new GrpcMessageDecoder(max, WHAT);
  const out: string[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(...decoder.push(bytes.subarray(at, at + size)).map((m) => m.toString()));
  decoder.end();
  return out;
}

function assertActiondError(fn: () => unknown, code: status, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ActiondError, `expected an ActiondError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('GrpcMessageDecoder', () => {
  const stream = Buffer.concat([frameGrpcMessage(Buffer.from('first')), frameGrpcMessage(Buffer.alloc(0)), frameGrpcMessage(Buffer.from('the third message'))]);

  it('returns every message whatever the piece boundaries, prefixes and messages split anywhere', () => {
    for (let size = 1; size <= stream.length; size++) {
      assert.deepEqual(decodeInPieces(stream, size), ['first', '', 'the third message'], `pieces of ${size} bytes`);
    }
  });

  it('returns a message that arrives whole as a view of the piece, without copying', () => {
    const piece = frameGrpcMessage(Buffer.from('whole'));
    const [message] = new GrpcMessageDecoder(1024, WHAT).push(piece);
    assert.equal(message!.buffer, piece.buffer);
    assert.equal(message!.byteOffset, piece.byteOffset + 5);
  });

  it('assembles a message spanning pieces', () => {
    const decoder = new GrpcMessageDecoder(1024, WHAT);
    const framed = frameGrpcMessage(Buffer.from('spanning three pieces'));
    assert.deepEqual(decoder.push(framed.subarray(0, 7)), []);
    assert.deepEqual(decoder.push(framed.subarray(7, 12)), []);
    const [message] = decoder.push(framed.subarray(12));
    assert.equal(message!.toString(), 'spanning three pieces');
  });

  it('refuses a message above the limit as RESOURCE_EXHAUSTED on its prefix, naming size and limit', () => {
    const decoder = new GrpcMessageDecoder(16, WHAT);
    const prefixOnly = frameGrpcMessage(Buffer.alloc(17)).subarray(0, 5);
    assertActiondError(() => decoder.push(prefixOnly), status.RESOURCE_EXHAUSTED, /svc\/Method: a request message of 17 bytes exceeds the server's limit of 16 bytes/);
  });

  it('accepts a message of exactly the limit', () => {
    assert.deepEqual(decodeInPieces(frameGrpcMessage(Buffer.from('x'.repeat(16))), 3, 16), ['x'.repeat(16)]);
  });

  it('refuses the compressed flag as UNIMPLEMENTED, since only identity encoding is served', () => {
    const framed = frameGrpcMessage(Buffer.from('zipped'));
    framed[0] = 1;
    assertActiondError(() => new GrpcMessageDecoder(1024, WHAT).push(framed), status.UNIMPLEMENTED, /compressed gRPC messages are not supported/);
  });

  it('refuses a flag byte other than 0 and 1 as INVALID_ARGUMENT naming it', () => {
    const framed = frameGrpcMessage(Buffer.from('odd'));
    framed[0] = 7;
    assertActiondError(() => new GrpcMessageDecoder(1024, WHAT).push(framed), status.INVALID_ARGUMENT, /flag byte 7/);
  });

  it('checks the flag of a prefix split across pieces too', () => {
    const framed = frameGrpcMessage(Buffer.from('zipped'));
    framed[0] = 1;
    const decoder = new GrpcMessageDecoder(1024, WHAT);
    assert.deepEqual(decoder.push(framed.subarray(0, 2)), []);
    assertActiondError(() => decoder.push(framed.subarray(2)), status.UNIMPLEMENTED, /compressed/);
  });

  it('calls a stream that ends inside a message INVALID_ARGUMENT, saying how much arrived', () => {
    const decoder = new GrpcMessageDecoder(1024, WHAT);
    decoder.push(frameGrpcMessage(Buffer.from('truncated')).subarray(0, 9));
    assertActiondError(() => decoder.end(), status.INVALID_ARGUMENT, /ended inside a message: 4 of its 9 bytes arrived/);
  });

  it('calls a stream that ends inside a prefix INVALID_ARGUMENT', () => {
    const decoder = new GrpcMessageDecoder(1024, WHAT);
    decoder.push(Buffer.from([0, 0]));
    assertActiondError(() => decoder.end(), status.INVALID_ARGUMENT, /inside a message prefix: 2 of its 5 bytes/);
  });

  it('ends cleanly between messages, and with no messages at all', () => {
    assert.doesNotThrow(() => new GrpcMessageDecoder(1024, WHAT).end());
    assert.deepEqual(decodeInPieces(stream, 4096), ['first', '', 'the third message']);
  });
});
