import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { constants, zstdCompressSync } from 'node:zlib';
import { status } from '@grpc/grpc-js';
import { ActiondError } from '@actiond/status';
import { ZstdFrameSplitter, type ZstdFramePiece } from './zstd-frame-splitter.ts';

const compress = (data: Buffer, params: Record<number, number> = {}) => zstdCompressSync(data, { params });

/** Frames of every shape the splitter must walk: empty, RLE, raw, compressed, with checksum, without content size, multi-block. */
const frames: Buffer[] = [
  compress(Buffer.alloc(0)),
  compress(Buffer.alloc(1000, 7)),
  compress(randomBytes(3000)),
  compress(Buffer.from('abcabcabd'.repeat(2000)), { [constants.ZSTD_c_checksumFlag]: 1 }),
  compress(randomBytes(300_000), { [constants.ZSTD_c_contentSizeFlag]: 0, [constants.ZSTD_c_checksumFlag]: 1 }),
  Buffer.from([0x5f, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]), // a skippable frame
  Buffer.from([0x50, 0x2a, 0x4d, 0x18, 0, 0, 0, 0]), // an empty skippable frame
];

/** Feeds `stream` in pieces of `sizes` (cycled) and regroups the output into frames. */
function split(stream: Buffer, sizes: number[]): Buffer[] {
  const splitter = new ZstdFrameSplitter('test');
  const pieces: ZstdFramePiece[] = [];
  for (let at = 0, i = 0; at < stream.length; i++) {
    const size = sizes[i % sizes.length]!;
    pieces.push(...splitter.push(stream.subarray(at, at + size)));
    at += size;
  }
  splitter.finish();
  const out: Buffer[] = [];
  let current: Buffer[] = [];
  for (const piece of pieces) {
    current.push(piece.data);
    if (piece.endsFrame) {
      out.push(Buffer.concat(current));
      current = [];
    }
  }
  assert.equal(current.length, 0, 'bytes after the last frame end');
  return out;
}

function invalid(fragment: string) {
  return (err: unknown) => err instanceof ActiondError && err.code === status.INVALID_ARGUMENT && err.message.includes(fragment);
}

describe('ZstdFrameSplitter', () => {
  it('finds every frame boundary of concatenated frames of every shape, however the bytes are chunked', () => {
    const stream = Buffer.concat(frames);
    for (const sizes of [[stream.length], [7, 1000], [65536], [4, 4, 1]]) {
      assert.deepEqual(split(stream, sizes), frames, `chunk sizes ${sizes.join(',')}`);
    }
    // Byte by byte, without the 300 kB frame to keep the test quick.
    const small = frames.filter((f) => f.length < 10_000);
    for (const sizes of [[1], [2, 3, 5]]) {
      assert.deepEqual(split(Buffer.concat(small), sizes), small, `chunk sizes ${sizes.join(',')}`);
    }
  });

  it('splits a small frame correctly at every possible chunk boundary', () => {
    const stream = Buffer.concat([frames[3]!, frames[1]!]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const splitter = new ZstdFrameSplitter('test');
      const pieces = [...splitter.push(stream.subarray(0, cut)), ...splitter.push(stream.subarray(cut))];
      splitter.finish();
      const ends = pieces.filter((p) => p.endsFrame).length;
      assert.equal(ends, 2, `cut at ${cut}`);
      assert.deepEqual(Buffer.concat(pieces.map((p) => p.data)), stream);
    }
  });

  it('knows when the data stops in the middle of a frame', () => {
    const splitter = new ZstdFrameSplitter('upload u');
    splitter.push(frames[2]!.subarray(0, 100));
    assert.equal(splitter.atFrameBoundary, false);
    assert.throws(() => splitter.finish(), invalid('upload u: the zstd data is truncated'));
    const whole = new ZstdFrameSplitter('w');
    whole.push(frames[2]!);
    assert.equal(whole.atFrameBoundary, true);
  });

  it('refuses bytes that are not a frame, naming the bad magic number', () => {
    assert.throws(() => new ZstdFrameSplitter('blob b').push(Buffer.from('PK\x03\x04zipzip')), invalid('blob b: the zstd data is corrupt (0x04034b50'));
    const trailing = new ZstdFrameSplitter('t');
    assert.throws(() => trailing.push(Buffer.concat([frames[1]!, Buffer.from('junk')])), invalid('is not a zstd frame'));
  });

  it('refuses the reserved header bit and the reserved block type', () => {
    const reservedBit = Buffer.from(frames[2]!);
    reservedBit[4] = reservedBit[4]! | 0x08;
    assert.throws(() => new ZstdFrameSplitter('r').push(reservedBit), invalid('reserved bit'));
    // Magic, a single-segment header with a 1-byte content size, then a block header of type 3.
    const reservedBlock = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x05, 0x07, 0x00, 0x00]);
    assert.throws(() => new ZstdFrameSplitter('r').push(reservedBlock), invalid('reserved block type'));
  });
});
