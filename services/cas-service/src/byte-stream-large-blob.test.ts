import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Digest } from '@actiond/digest';
import { Compressor_Value, type bytestream } from '@actiond/proto';
import { startCasTestServer, writeRequests, type CasTestServer } from './cas-test-server.test-support.ts';
import { formatReadResourceName, formatUploadResourceName } from './resource-name.ts';

// A 64 MiB blob through Write and Read must never be held whole in memory,
// on either side of the call. Memory is sampled after a forced collection
// while the transfer is under way: buffering the blob would show up as
// tens of MiB retained. The bound is loose on purpose; this is no benchmark.

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MIB = 1024 * 1024;
const BLOB_BYTES = 64 * MIB;
const PIECE_BYTES = 256 * 1024;
/** Retained growth allowed during a transfer: half the blob. */
const MAX_GROWTH_BYTES = 32 * MIB;

/** The blob, as pieces made on demand from one 1 MiB random pattern, so the test holds only a piece at a time. */
const pattern = randomBytes(MIB);
function piece(index: number): Buffer {
  const out = Buffer.alloc(PIECE_BYTES);
  pattern.copy(out, 0, (index * PIECE_BYTES) % MIB);
  out.writeUInt32BE(index, 0);
  return out;
}
const PIECES = BLOB_BYTES / PIECE_BYTES;

/** Heap and Buffer memory still referenced. Two collections: Buffers' memory is released by the one after they die. */
function retainedBytes(): number {
  gc();
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

describe('ByteStream with a 64 MiB blob', () => {
  let server: CasTestServer;
  let digest: Digest;
  before(async () => {
    server = await startCasTestServer();
    const hash = createHash('sha256');
    for (let i = 0; i < PIECES; i++) hash.update(piece(i));
    digest = Digest.parse(hash.digest('hex'), BLOB_BYTES);
  });
  after(() => server.close());

  /** Uploads the blob with ByteStream Write, calling `sample` every 8 MiB. */
  async function upload(sample: () => void): Promise<bytestream.WriteResponse> {
    const resourceName = formatUploadResourceName({ instanceName: '', uploadId: 'large-upload', digest, compressor: Compressor_Value.IDENTITY });
    async function* requests(): AsyncGenerator<bytestream.WriteRequest> {
      for (let i = 0; i < PIECES; i++) {
        if (i % 32 === 16) sample();
        yield { resourceName: i === 0 ? resourceName : '', writeOffset: i * PIECE_BYTES, finishWrite: i === PIECES - 1, data: piece(i) };
      }
    }
    return writeRequests(server, requests());
  }

  it('writes it in a stream without buffering it whole', async () => {
    const baseline = retainedBytes();
    let peak = 0;
    const response = await upload(() => (peak = Math.max(peak, retainedBytes() - baseline)));
    assert.equal(response.committedSize, BLOB_BYTES);
    assert.equal((await server.blobs.findMissing([digest])).size, 0);
    assert.ok(peak < MAX_GROWTH_BYTES, `retained ${(peak / MIB).toFixed(1)} MiB more during the upload`);
  });

  it('reads it back in bounded chunks, waiting for a client that stops reading', async () => {
    if ((await server.blobs.findMissing([digest])).size > 0) await upload(() => {});
    const baseline = retainedBytes();
    const stream = server.byteStream.read({ resourceName: formatReadResourceName({ instanceName: '', digest, compressor: Compressor_Value.IDENTITY }), readOffset: 0, readLimit: 0 });
    const hash = createHash('sha256');
    let received = 0;
    let largestChunk = 0;
    let ended = false;
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', (message: bytestream.ReadResponse) => {
        hash.update(message.data);
        received += message.data.length;
        largestChunk = Math.max(largestChunk, message.data.length);
      });
      stream.on('error', reject);
      stream.on('end', resolve);
    }).finally(() => (ended = true));
    // Let a few MiB through, then stop reading long enough for a server
    // that ignored flow control to queue the rest of the blob.
    while (received < 4 * MIB && !ended) await sleep(5);
    stream.pause();
    await sleep(300);
    const paused = retainedBytes() - baseline;
    stream.resume();
    await done;
    assert.equal(received, BLOB_BYTES);
    assert.equal(hash.digest('hex'), digest.hash);
    assert.ok(largestChunk <= 1 * MIB, `a chunk of ${largestChunk} bytes`);
    assert.ok(paused < MAX_GROWTH_BYTES, `retained ${(paused / MIB).toFixed(1)} MiB more while the client was paused`);
  });
});
