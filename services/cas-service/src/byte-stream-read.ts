import { pipeline, type Readable } from 'node:stream';
import { Compressor_Value, type bytestream } from '@actiond/proto';
import type { ServerStreamingHandler } from '@actiond/rpc';
import { invalidArgument, outOfRange } from '@actiond/status';
import { methodAttributes, type CasDependencies } from './cas-dependencies.ts';
import { READ_CHUNK_BYTES, SMALL_READ_BYTES } from './cas-limits.ts';
import { parseReadResourceName } from './resource-name.ts';
import { createZstdCompressStream } from './zstd.ts';

/**
 * ByteStream Read of `{instance_name/}blobs/{hash}/{size}` and
 * `{instance_name/}compressed-blobs/zstd/{hash}/{size}`.
 *
 * A blob up to SMALL_READ_BYTES read uncompressed is read whole and sent
 * as one message. A larger one, or a compressed read, is streamed from the
 * store in chunks of READ_CHUNK_BYTES, each sent only once the call has room
 * for it (the adapter's `send` waits for 'drain'), so memory per call stays
 * a few chunks whatever the blob's size and the client's speed.
 *
 * `read_offset` and `read_limit` select a range; for compressed reads the
 * offset counts uncompressed bytes (the rest of the blob is compressed from
 * there) and a non-zero limit is INVALID_ARGUMENT, as REAPI requires.
 * A negative offset or one past the end is OUT_OF_RANGE (ByteStream's
 * rule), a negative limit INVALID_ARGUMENT, a missing blob NOT_FOUND,
 * a malformed resource name INVALID_ARGUMENT naming what is wrong.
 */
export function byteStreamRead(deps: CasDependencies): ServerStreamingHandler<bytestream.ReadRequest, bytestream.ReadResponse> {
  const nameContext = { instanceNames: deps.instanceNames, digestFunction: deps.blobs.digestFunction };
  return async (request, ctx, send) => {
    const name = parseReadResourceName(request.resourceName, nameContext);
    ctx.setInstanceName(name.instanceName);
    const { digest } = name;
    const { readOffset, readLimit } = request;
    if (readOffset < 0) throw outOfRange(`read_offset ${readOffset} is negative`);
    if (readOffset > digest.sizeBytes) {
      throw outOfRange(`read_offset ${readOffset} is beyond the end of blob ${digest} (${digest.sizeBytes} bytes)`);
    }
    if (readLimit < 0) {
      throw invalidArgument(`read_limit ${readLimit} is negative; send 0 to read to the end`, [{ field: 'read_limit', description: 'is negative' }]);
    }
    const compressed = name.compressor !== Compressor_Value.IDENTITY;
    if (compressed && readLimit !== 0) {
      throw invalidArgument(`read_limit must be 0 when reading compressed-blobs (REAPI), got ${readLimit}`, [
        { field: 'read_limit', description: 'must be 0 for compressed-blobs' },
      ]);
    }

    const attributes = methodAttributes(ctx.method);
    if (!compressed && digest.sizeBytes <= SMALL_READ_BYTES) {
      // NOT_FOUND and DATA_LOSS as read() has them; the range was checked above.
      const data = await deps.blobs.get(digest);
      const part = data.subarray(readOffset, readLimit === 0 ? data.length : readOffset + readLimit);
      if (part.length > 0) {
        await send({ data: part });
        deps.metrics.bytesOut.add(part.length, attributes);
      }
      deps.metrics.blobsRead.add(1, attributes);
      return;
    }
    const source = await deps.blobs.read(digest, { offset: readOffset, limit: readLimit, chunkSizeBytes: READ_CHUNK_BYTES });
    let stream: Readable = source;
    if (compressed) {
      const compressor = createZstdCompressStream(READ_CHUNK_BYTES);
      // Errors reach the loop below through the compressor, which pipeline destroys.
      pipeline(source, compressor, () => {});
      stream = compressor;
    }
    try {
      for await (const chunk of stream) {
        const data = chunk as Buffer;
        await send({ data });
        deps.metrics.bytesOut.add(data.length, attributes);
      }
    } finally {
      stream.destroy();
      source.destroy();
    }
    deps.metrics.blobsRead.add(1, attributes);
  };
}
