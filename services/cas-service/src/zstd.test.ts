import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { status } from '@grpc/grpc-js';
import { ActiondError } from '@actiond/status';
import { createZstdCompressStream, zstdCompressBuffer, zstdDecompressChunks, zstdDecompressExact } from './zstd.ts';

const text = Buffer.from('the quick brown fox jumps over the lazy dog\n'.repeat(5000));

function invalid(fragment: string) {
  return (err: unknown) => err instanceof ActiondError && err.code === status.INVALID_ARGUMENT && err.message.includes(fragment);
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

async function* pieces(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

describe('zstdCompressBuffer / zstdDecompressExact', () => {
  it('round-trips and shrinks compressible data', async () => {
    const compressed = await zstdCompressBuffer(text);
    assert.ok(compressed.length < text.length / 10);
    assert.deepEqual(await zstdDecompressExact(compressed, text.length, 'blob t'), text);
  });

  it('refuses data that decompresses to a different size, without producing more than the digest allows', async () => {
    const compressed = zstdCompressSync(text);
    await assert.rejects(zstdDecompressExact(compressed, text.length - 1, 'blob t'), invalid('blob t: zstd data decompresses to more than the'));
    await assert.rejects(zstdDecompressExact(compressed, text.length + 5, 'blob t'), invalid(`decompresses to ${text.length} bytes, its digest says ${text.length + 5}`));
  });

  it('refuses corrupt and truncated streams as INVALID_ARGUMENT', async () => {
    await assert.rejects(zstdDecompressExact(Buffer.from('not zstd at all'), 15, 'blob x'), invalid('blob x: the zstd data is corrupt (0x20746f6e is not a zstd frame'));
    const compressed = zstdCompressSync(randomBytes(10_000));
    await assert.rejects(zstdDecompressExact(compressed.subarray(0, compressed.length - 10), 10_000, 'blob y'), invalid('blob y: the zstd data is truncated'));
    await assert.rejects(zstdDecompressExact(Buffer.concat([compressed, Buffer.from('junk')]), 10_000, 'blob w'), invalid('blob w: the zstd data is corrupt'));
  });

  it('decodes every frame of concatenated frames, which node:zlib alone would cut after the first', async () => {
    const a = Buffer.from('first frame, ');
    const b = text;
    const both = Buffer.concat([zstdCompressSync(a), zstdCompressSync(b)]);
    assert.deepEqual(await zstdDecompressExact(both, a.length + b.length, 'two'), Buffer.concat([a, b]));
  });

  it('takes zero bytes as the empty blob, and a real empty frame too', async () => {
    assert.equal((await zstdDecompressExact(Buffer.alloc(0), 0, 'empty')).length, 0);
    assert.equal((await zstdDecompressExact(zstdCompressSync(Buffer.alloc(0)), 0, 'empty')).length, 0);
    await assert.rejects(zstdDecompressExact(Buffer.alloc(0), 3, 'blob z'), invalid('blob z'));
  });
});

describe('createZstdCompressStream', () => {
  it('produces a stream zstd can decode, in chunks no larger than asked', async () => {
    const data = Buffer.concat([text, randomBytes(300_000)]);
    const compressor = createZstdCompressStream(64 * 1024);
    Readable.from(pieces(data, 10_000)).pipe(compressor);
    const chunks: Buffer[] = [];
    for await (const chunk of compressor) chunks.push(chunk as Buffer);
    assert.ok(chunks.every((c) => c.length <= 64 * 1024));
    assert.deepEqual(zstdDecompressSync(Buffer.concat(chunks)), data);
  });
});

describe('zstdDecompressChunks', () => {
  it('decodes a stream split at arbitrary points, including concatenated frames', async () => {
    const data = Buffer.concat([text, randomBytes(200_000)]);
    const compressed = Buffer.concat([zstdCompressSync(data.subarray(0, 1000)), zstdCompressSync(data.subarray(1000))]);
    assert.deepEqual(await collect(zstdDecompressChunks(pieces(compressed, 777), 'w', 65536)), data);
  });

  it('turns a corrupt stream into INVALID_ARGUMENT', async () => {
    await assert.rejects(collect(zstdDecompressChunks(pieces(Buffer.from('garbage, not zstd'), 4), 'upload u', 65536)), invalid('upload u: the zstd data is corrupt'));
  });

  it('turns damaged block content inside a well-framed stream into INVALID_ARGUMENT', async () => {
    const compressed = Buffer.from(zstdCompressSync(text));
    for (let i = 20; i < compressed.length - 8; i += 7) compressed[i] = compressed[i]! ^ 0x5a;
    await assert.rejects(
      (async () => {
        let total = 0;
        for await (const chunk of zstdDecompressChunks(pieces(compressed, 100), 'upload d', 65536)) total += chunk.length;
        // A decoder that slipped past the damage must at least not claim the original content.
        if (total === text.length) throw new Error('damaged data decoded to the original size');
      })(),
      invalid('upload d: the zstd data is corrupt'),
    );
  });

  it('reports a stream that ends mid-frame, after yielding what it could decode', async () => {
    const data = randomBytes(600_000);
    const compressed = zstdCompressSync(data);
    let decoded = 0;
    await assert.rejects(
      (async () => {
        for await (const chunk of zstdDecompressChunks(pieces(compressed.subarray(0, 400_000), 50_000), 'upload v', 65536)) {
          assert.deepEqual(chunk, data.subarray(decoded, decoded + chunk.length));
          decoded += chunk.length;
        }
      })(),
      invalid('upload v: the zstd data is truncated'),
    );
    assert.ok(decoded > 0, 'decoded nothing before the truncation');
  });

  it('a slow consumer of a stream that ends mid-frame still gets everything decodable before the error', async () => {
    // The decoder runs ahead of a consumer that waits on the disk; its end-of-input
    // error must not discard the chunks it decoded before.
    const data = randomBytes(600_000);
    const compressed = zstdCompressSync(data);
    const full = await collect(zstdDecompressChunks(pieces(compressed.subarray(0, 400_000), 400_000), 'fast', 16384)).catch((e: unknown) => e);
    assert.ok(full instanceof Error);
    let decoded = 0;
    await assert.rejects(
      (async () => {
        for await (const chunk of zstdDecompressChunks(pieces(compressed.subarray(0, 400_000), 400_000), 'upload w', 16384)) {
          await new Promise((r) => setTimeout(r, 20));
          decoded += chunk.length;
        }
      })(),
      invalid('upload w: the zstd data is truncated'),
    );
    assert.ok(decoded >= 300_000, `only ${decoded} bytes decoded before the truncation was reported`);
  });

  it('passes errors of the input through unchanged', async () => {
    const reason = ActiondError.cancelled('client went away');
    async function* failing(): AsyncGenerator<Buffer> {
      yield zstdCompressSync(text).subarray(0, 10);
      throw reason;
    }
    await assert.rejects(collect(zstdDecompressChunks(failing(), 'w', 65536)), (err) => err === reason);
  });

  it('stops pulling input when the consumer stops', async () => {
    const compressed = zstdCompressSync(randomBytes(4 * 1024 * 1024));
    let pulled = 0;
    async function* counting(): AsyncGenerator<Buffer> {
      for await (const piece of pieces(compressed, 16 * 1024)) {
        pulled += piece.length;
        yield piece;
      }
    }
    for await (const chunk of zstdDecompressChunks(counting(), 'w', 65536)) {
      assert.ok(chunk.length > 0);
      break;
    }
    assert.ok(pulled < compressed.length / 2, `pulled ${pulled} of ${compressed.length} bytes`);
  });
});
