import type { UploadSession, UploadSessions } from '@actiond/blobstore';
import { Compressor_Value, type bytestream } from '@actiond/proto';
import { releaseRequestBytes, type ClientStreamingHandler } from '@actiond/rpc';
import { invalidArgument } from '@actiond/status';
import { methodAttributes, type CasDependencies } from './cas-dependencies.ts';
import { DECOMPRESS_CHUNK_BYTES } from './cas-limits.ts';
import { parseUploadResourceName, type UploadResourceName } from './resource-name.ts';
import { zstdDecompressChunks } from './zstd.ts';

type WriteRequest = bytestream.WriteRequest;
type WriteResponse = bytestream.WriteResponse;

/**
 * The key of an upload in UploadSessions: REAPI lets a client reuse one
 * uuid for different blobs, so the digest is part of it. Also what
 * QueryWriteStatus looks up.
 */
export function uploadKey(name: UploadResourceName): string {
  const instance = name.instanceName === '' ? '' : `${name.instanceName}/`;
  return `${instance}uploads/${name.uploadId}/blobs/${name.digest.key}`;
}

/**
 * ByteStream Write of `{instance_name/}uploads/{uuid}/blobs/{hash}/{size}{/metadata}`
 * and `.../uploads/{uuid}/compressed-blobs/zstd/{hash}/{size}{/metadata}`.
 *
 * The first request names the resource; later ones may repeat the name or
 * leave it empty (anything else is INVALID_ARGUMENT). Bytes go straight to
 * the upload's session (a temp file, hashed on the way), compressed ones
 * through a streaming zstd decoder first; requests are read only as fast as
 * the disk takes them. `finish_write` verifies size and hash and makes the
 * blob visible atomically; a mismatch, or more bytes than the digest says,
 * is INVALID_ARGUMENT naming expected and actual, and stores nothing.
 *
 * Offsets: the first request's `write_offset` must equal the upload's
 * committed size (0 for a new upload; QueryWriteStatus's answer when
 * resuming), each later one the end of the previous request's data. For
 * compressed uploads REAPI makes the first offset count uncompressed bytes
 * and later ones add the compressed bytes sent, and a resumed compressed
 * upload is a new zstd stream of the uncompressed bytes from that offset on.
 *
 * A stream that ends without `finish_write` keeps the upload resumable
 * (the response, like QueryWriteStatus, reports the committed size). A blob
 * that is already stored ends the call at once, without reading further
 * requests, with committed_size = the blob's size, or -1 for compressed
 * uploads, as REAPI specifies. After `finish_write` the response's
 * committed_size is the blob's size, or for compressed uploads the offset
 * after the last request's data (what Bazel checks it against).
 */
export function byteStreamWrite(deps: CasDependencies, uploads: UploadSessions): ClientStreamingHandler<WriteRequest, WriteResponse> {
  const nameContext = { instanceNames: deps.instanceNames, digestFunction: deps.blobs.digestFunction };
  return async (requests, ctx) => {
    const iterator = requests[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done === true) throw invalidArgument('the Write stream ended before its first request; the first request must name the resource');
    const resourceName = first.value.resourceName;
    if (resourceName === '') {
      throw invalidArgument('the first WriteRequest has no resource_name', [{ field: 'resource_name', description: 'is empty' }]);
    }
    const name = parseUploadResourceName(resourceName, nameContext);
    ctx.setInstanceName(name.instanceName);
    const { digest } = name;
    const compressed = name.compressor !== Compressor_Value.IDENTITY;
    const attributes = methodAttributes(ctx.method);

    const alreadyStored: WriteResponse = { committedSize: compressed ? -1 : digest.sizeBytes };
    if ((await deps.blobs.findMissing([digest])).size === 0) {
      deps.metrics.bytesIn.add(first.value.data.length, attributes);
      return alreadyStored;
    }
    const session = await uploads.open(uploadKey(name), digest);
    if (session.complete) return alreadyStored;
    if (first.value.writeOffset !== session.committedSize) {
      throw invalidArgument(
        `write_offset ${first.value.writeOffset} of the first WriteRequest for ${resourceName} does not match the ${session.committedSize} bytes committed so far; resume at the committed size (QueryWriteStatus reports it)`,
        [{ field: 'write_offset', description: `expected ${session.committedSize}` }],
      );
    }

    // Every request in order, the first included, checked and counted;
    // yields each one's data with its offset and notes how the stream ended.
    const stream = { finished: false, ended: false, nextOffset: first.value.writeOffset };
    async function* payloads(): AsyncGenerator<{ readonly data: Buffer; readonly offset: number }> {
      let request: WriteRequest = first.value!;
      for (;;) {
        if (request.resourceName !== '' && request.resourceName !== resourceName) {
          throw invalidArgument(`a WriteRequest names ${quote(request.resourceName)}, but this stream writes ${quote(resourceName)}`);
        }
        if (request.writeOffset !== stream.nextOffset) {
          throw invalidArgument(
            `write_offset ${request.writeOffset} of a WriteRequest for ${resourceName} does not continue the stream at ${stream.nextOffset}`,
            [{ field: 'write_offset', description: `expected ${stream.nextOffset}` }],
          );
        }
        const offset = stream.nextOffset;
        stream.nextOffset += request.data.length;
        deps.metrics.bytesIn.add(request.data.length, attributes);
        if (request.data.length > 0) yield { data: request.data, offset };
        if (request.finishWrite) {
          stream.finished = true;
          return;
        }
        const next = await iterator.next();
        if (next.done === true) {
          stream.ended = true;
          return;
        }
        request = next.value;
      }
    }

    if (compressed) {
      await writeDecompressed(session, payloads(), stream, `upload of blob ${digest}`);
    } else {
      for await (const { data, offset } of payloads()) {
        await session.write(data, offset);
        // The session has copied or written the bytes, and nothing else
        // holds them: the fast lane may assemble the next message there.
        releaseRequestBytes(data);
      }
    }
    if (!stream.finished) return { committedSize: session.committedSize };
    await session.finish();
    deps.metrics.blobsWritten.add(1, attributes);
    return { committedSize: compressed ? stream.nextOffset : digest.sizeBytes };
  };
}

/**
 * Decodes compressed payloads into the session at its committed size. A
 * stream that ends mid-frame without `finish_write` is an interrupted
 * upload, not an error: what was decoded stays committed. Corrupt data
 * aborts the upload.
 */
async function writeDecompressed(
  session: UploadSession,
  payloads: AsyncIterable<{ readonly data: Buffer }>,
  stream: { readonly finished: boolean; readonly ended: boolean },
  what: string,
): Promise<void> {
  let offset = session.committedSize;
  let writeError: unknown;
  let inputError: unknown;
  const data = (async function* () {
    try {
      for await (const payload of payloads) yield payload.data;
    } catch (err) {
      inputError = err;
      throw err;
    }
  })();
  try {
    for await (const chunk of zstdDecompressChunks(data, what, DECOMPRESS_CHUNK_BYTES)) {
      try {
        await session.write(chunk, offset);
      } catch (err) {
        writeError = err;
        throw err;
      }
      offset += chunk.length;
    }
  } catch (err) {
    if (err === writeError || err === inputError) throw err;
    if (stream.ended && !stream.finished) return;
    await session.abort();
    throw err;
  }
}

function quote(value: string): string {
  return value.length <= 300 ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, 300))}... (${value.length} characters)`;
}
