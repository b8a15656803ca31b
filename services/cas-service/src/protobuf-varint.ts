/**
 * Varints of at most this many bytes (7 × 7 = 49 bits, exact in a double)
 * are read by the hand-written codecs; a longer one sends the message to
 * ts-proto's general decoder instead.
 */
export const MAX_FAST_VARINT_BYTES = 7;

/**
 * Reads a protobuf varint of at most {@link MAX_FAST_VARINT_BYTES} bytes at
 * `cursor.pos`, advancing it; -1 when it runs past `limit` or is longer.
 * Shared by the WriteRequest and FindMissingBlobs codecs.
 */
export function readVarint(bytes: Buffer, cursor: { pos: number }, limit: number): number {
  let value = 0;
  let multiplier = 1;
  for (let n = 0; n < MAX_FAST_VARINT_BYTES; n++) {
    if (cursor.pos >= limit) return -1;
    const byte = bytes[cursor.pos++]!;
    value += (byte & 0x7f) * multiplier;
    if (byte < 0x80) return value;
    multiplier *= 128;
  }
  return -1;
}
