import { Compressor_Value, type BatchReadBlobsRequest, type BatchReadBlobsResponse, type BatchReadBlobsResponse_Response } from '@actiond/proto';
import type { UnaryHandler } from '@actiond/rpc';
import { ActiondError, okStatus } from '@actiond/status';
import { parseRequestDigest } from '@actiond/reapi';
import { attemptParse, checkBatchTotal } from './batch-digests.ts';
import { checkCasRequest, methodAttributes, type CasDependencies } from './cas-dependencies.ts';
import { BATCH_CONCURRENCY } from './cas-limits.ts';
import { mapConcurrently } from './map-concurrently.ts';
import { zstdCompressBuffer } from './zstd.ts';

const EMPTY = Buffer.alloc(0);

/**
 * BatchReadBlobs: each requested blob with its own google.rpc.Status, in
 * request order: OK with the data, NOT_FOUND for a blob the store lacks,
 * INVALID_ARGUMENT for a malformed digest, the store's errors (DATA_LOSS)
 * as they come.
 *
 * When the client lists ZSTD among `acceptable_compressors`, each blob is
 * sent zstd-compressed with `compressor` = ZSTD, unless compressing does
 * not make it smaller; then it goes as IDENTITY, which REAPI always allows.
 *
 * The whole call is INVALID_ARGUMENT when the requested sizes total more
 * than MAX_BATCH_TOTAL_SIZE_BYTES, for an unknown instance name and for an
 * unsupported digest function.
 */
export function batchReadBlobs(deps: CasDependencies): UnaryHandler<BatchReadBlobsRequest, BatchReadBlobsResponse> {
  return async (request, ctx) => {
    const fn = checkCasRequest(request, deps);
    const attributes = methodAttributes(ctx.method);
    const parsed = request.digests.map((d, i) => attemptParse(() => parseRequestDigest(d, `digests[${i}]`, fn)));
    checkBatchTotal(parsed, 'BatchReadBlobs', 'ByteStream Read');
    const zstd = request.acceptableCompressors.includes(Compressor_Value.ZSTD);
    const responses = await mapConcurrently(parsed, BATCH_CONCURRENCY, async (digest, i): Promise<BatchReadBlobsResponse_Response> => {
      const proto = request.digests[i];
      try {
        if (digest instanceof ActiondError) throw digest;
        const data = await deps.blobs.get(digest);
        let sent = data;
        let compressor: Compressor_Value = Compressor_Value.IDENTITY;
        if (zstd && data.length > 0) {
          const compressed = await zstdCompressBuffer(data);
          if (compressed.length < data.length) {
            sent = compressed;
            compressor = Compressor_Value.ZSTD;
          }
        }
        deps.metrics.bytesOut.add(sent.length, attributes);
        deps.metrics.blobsRead.add(1, attributes);
        return { digest: proto, data: sent, status: okStatus(), compressor };
      } catch (err) {
        return { digest: proto, data: EMPTY, status: ActiondError.from(err).toStatusProto(), compressor: Compressor_Value.IDENTITY };
      }
    });
    return { responses };
  };
}
