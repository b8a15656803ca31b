import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_FAST_VARINT_BYTES, readVarint } from './protobuf-varint.ts';

function varint(value: number): number[] {
  const out: number[] = [];
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
  return out;
}

test('reads varints up to 49 bits exactly and advances past them', () => {
  for (const value of [0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 + 5, 2 ** 49 - 1]) {
    const bytes = Buffer.from([0xff, ...varint(value), 0x01]);
    const cursor = { pos: 1 };
    assert.equal(readVarint(bytes, cursor, bytes.length), value);
    assert.equal(cursor.pos, 1 + varint(value).length);
  }
});

test('a varint cut off by the limit, or longer than the fast bound, is -1', () => {
  const long = Buffer.from(varint(2 ** 49));
  assert.equal(long.length, MAX_FAST_VARINT_BYTES + 1);
  assert.equal(readVarint(long, { pos: 0 }, long.length), -1);
  const truncated = Buffer.from([0x80, 0x80]);
  assert.equal(readVarint(truncated, { pos: 0 }, truncated.length), -1);
  const bounded = Buffer.from(varint(300));
  assert.equal(readVarint(bounded, { pos: 0 }, 1), -1);
});
