import type { Digest } from '@actiond/digest';
import { Compressor_Value, type BatchUpdateBlobsRequest, type BatchUpdateBlobsResponse, type BatchUpdateBlobsResponse_Response } from '@actiond/proto';
import type { UnaryHandler } from '@actiond/rpc';
import { ActiondError, invalidArgument, okStatus } from '@actiond/status';
import { parseRequestDigest } from '@actiond/reapi';
import { checkCasRequest, methodAttributes, type CasDependencies } from './cas-dependencies.ts';
import { attemptParse, checkBatchTotal } from './batch-digests.ts';
import { BATCH_CONCURRENCY, SUPPORTED_BATCH_UPDATE_COMPRESSORS } from './cas-limits.ts';
import { mapConcurrently } from './map-concurrently.ts';
import { compressorName } from './resource-name.ts';
import { zstdDecompressExact } from './zstd.ts';

/**
 * BatchUpdateBlobs: stores each blob after checking its size and hash
 * (after decompressing it, for ZSTD), with one google.rpc.Status per blob
 * in request order, so one bad blob does not fail the others.
 *
 * The whole call is INVALID_ARGUMENT (REAPI's code for it) when the blobs'
 * sizes, taken from their digests, total more than
 * MAX_BATCH_TOTAL_SIZE_BYTES, and for an unknown instance name or an
 * unsupported digest function. Per blob: INVALID_ARGUMENT for a malformed
 * digest, a compressor other than IDENTITY and ZSTD, corrupt zstd data,
 * data of the wrong size or hash; the store's own errors (RESOURCE_EXHAUSTED
 * for a full disk) as they come.
 */
export function batchUpdateBlobs(deps: CasDependencies): UnaryHandler<BatchUpdateBlobsRequest, BatchUpdateBlobsResponse> {
  return async (request, ctx) => {
    const fn = checkCasRequest(request, deps);
    const attributes = methodAttributes(ctx.method);
    const parsed = request.requests.map((r, i) => attemptParse(() => parseRequestDigest(r.digest, `requests[${i}].digest`, fn)));
    checkBatchTotal(parsed, 'BatchUpdateBlobs', 'ByteStream Write');
    let received = 0;
    for (const r of request.requests) received += r.data.length;
    deps.metrics.bytesIn.add(received, attributes);

    const valid = parsed.filter((p): p is Digest => !(p instanceof ActiondError));
    const missing = await deps.blobs.findMissing(valid);
    const counted = new Set<string>();
    const responses = await mapConcurrently(request.requests, BATCH_CONCURRENCY, async (entry, i): Promise<BatchUpdateBlobsResponse_Response> => {
      try {
        const digest = parsed[i]!;
        if (digest instanceof ActiondError) throw digest;
        const data = await decode(entry.data, entry.compressor, digest, i);
        if (data.length !== digest.sizeBytes) {
          throw invalidArgument(`requests[${i}]: blob ${digest} has ${data.length} bytes of data but its digest says ${digest.sizeBytes}; nothing was stored`);
        }
        await deps.blobs.put(digest, data);
        if (missing.has(digest) && !counted.has(digest.key)) {
          counted.add(digest.key);
          deps.metrics.blobsWritten.add(1, attributes);
        }
        return { digest: entry.digest, status: okStatus() };
      } catch (err) {
        return { digest: entry.digest, status: ActiondError.from(err).toStatusProto() };
      }
    });
    return { responses };
  };
}

async function decode(data: Buffer, compressor: Compressor_Value, digest: Digest, index: number): Promise<Buffer> {
  if (compressor === Compressor_Value.IDENTITY) return data;
  if (compressor === Compressor_Value.ZSTD) return zstdDecompressExact(data, digest.sizeBytes, `requests[${index}]: blob ${digest}`);
  const supported = ['IDENTITY', ...SUPPORTED_BATCH_UPDATE_COMPRESSORS.map((c) => compressorName(c).toUpperCase())].join(', ');
  throw invalidArgument(
    `requests[${index}]: compressor ${compressorName(compressor).toUpperCase()} is not supported for BatchUpdateBlobs; this server accepts ${supported}`,
  );
}
