import assert from 'node:assert/strict';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ALIGNED_BUFFER_BYTES, AlignedBufferPool } from './aligned-buffer-pool.ts';
import { DirectFileAppender, stageCopy } from './direct-file-appender.ts';
import { HashingThread } from './hashing-thread.ts';
import { createHash } from 'node:crypto';

/** Bytes that differ at every offset (so a misplaced block shows). */
function pattern(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 131 + (i >> 12)) & 0xff;
  return bytes;
}

describe('stageCopy', () => {
  it('copies every byte to its place whatever the alignment of source and target, and nothing else', () => {
    const memory = new SharedArrayBuffer(ALIGNED_BUFFER_BYTES);
    const source = pattern(200_000 + 16);
    for (const length of [0, 100, 4095, 4096, 65_536, 65_537, 200_000]) {
      for (let sourceOffset = 0; sourceOffset < 8; sourceOffset++) {
        for (const at of [0, 1, 5, 8, 12_345]) {
          const block = Buffer.from(memory);
          block.fill(0xee);
          const piece = source.subarray(sourceOffset, sourceOffset + length);
          stageCopy(block, at, piece);
          const where = `length ${length}, source offset ${sourceOffset}, target ${at}`;
          assert.ok(block.subarray(at, at + length).equals(piece), `the bytes, ${where}`);
          assert.equal(block[at - 1] ?? 0xee, 0xee, `nothing before, ${where}`);
          assert.equal(block[at + length], 0xee, `nothing after, ${where}`);
        }
      }
    }
  });

  it('refuses a piece that does not fit the block, naming sizes, and writes nothing', () => {
    const block = Buffer.from(new SharedArrayBuffer(64)).fill(0xee);
    assert.throws(() => stageCopy(block, 60, pattern(5)), /5 bytes at 60 do not fit a block of 64/);
    assert.throws(() => stageCopy(block, -1, pattern(5)), /5 bytes at -1 do not fit a block of 64/);
    assert.ok(block.every((byte) => byte === 0xee));
  });
});

describe('DirectFileAppender', () => {
  let directory: string;
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'direct-file-appender-test-'));
  });
  after(() => rm(directory, { recursive: true, force: true }));

  /** Appends `content` in pieces of the given sizes (cycled) and returns what the file holds, or undefined without O_DIRECT. */
  async function appendAll(name: string, content: Buffer, pieceSizes: number[], pool: AlignedBufferPool): Promise<Buffer | undefined> {
    const path = join(directory, name);
    const buffered = await open(path, 'wx', 0o600);
    const hash = HashingThread.shared().startJob('sha256');
    try {
      const appender = await DirectFileAppender.open(path, buffered, { pool, hash });
      if (appender === undefined) return undefined;
      for (let at = 0, i = 0; at < content.length; i++) {
        const size = pieceSizes[i % pieceSizes.length]!;
        await appender.append(content.subarray(at, at + size));
        at += size;
      }
      await appender.finish();
      assert.equal(await hash.digestHex(), createHash('sha256').update(content).digest('hex'), 'the hashing thread saw every byte in order');
    } finally {
      hash.drop();
      await buffered.close();
    }
    return readFile(path);
  }

  it('writes and hashes every byte in order whatever the piece sizes, aligned tail or not', async (t) => {
    const pool = new AlignedBufferPool(4);
    const cases: [number, number[]][] = [
      [3 * ALIGNED_BUFFER_BYTES + 12345, [ALIGNED_BUFFER_BYTES]],
      [2 * ALIGNED_BUFFER_BYTES, [1000, 70_000, 3]],
      [ALIGNED_BUFFER_BYTES + 8192, [ALIGNED_BUFFER_BYTES + 8192]],
      [5000, [5000]],
      [0, [1]],
    ];
    for (const [size, pieces] of cases) {
      const content = pattern(size);
      const written = await appendAll(`f-${size}-${pieces.join('-')}`, content, pieces, pool);
      if (written === undefined) return t.skip(`no O_DIRECT on ${directory}`);
      assert.equal(written.length, size, `size ${size}`);
      assert.ok(written.equals(content), `content of ${size} bytes in pieces of ${pieces.join(', ')}`);
    }
    assert.ok(pool.free > 0, 'buffers go back to the pool');
  });

  it('close abandons the file without throwing and returns its buffers', async (t) => {
    const pool = new AlignedBufferPool(4);
    const path = join(directory, 'abandoned');
    const buffered = await open(path, 'wx', 0o600);
    const appender = await DirectFileAppender.open(path, buffered, { pool });
    if (appender === undefined) {
      await buffered.close();
      return t.skip(`no O_DIRECT on ${directory}`);
    }
    await appender.append(pattern(ALIGNED_BUFFER_BYTES + 10));
    await appender.close();
    await appender.close();
    await buffered.close();
    assert.equal(pool.free, 2);
  });
});
