import { createHash } from 'node:crypto';
import { Digest } from '@actiond/digest';
import { Compressor_Value, DigestFunction_Value, type BatchUpdateBlobsRequest } from '@actiond/proto';
import { DeterministicBytes } from './deterministic-bytes.ts';

/** A small blob with its digest, ready for BatchUpdateBlobs. */
export interface SmallBlob {
  readonly digest: Digest;
  readonly data: Buffer;
}

/** `count` distinct blobs of `sizeBytes` pseudo-random bytes each, fixed by `seed`. */
export function makeSmallBlobs(count: number, sizeBytes: number, seed: string): SmallBlob[] {
  const source = new DeterministicBytes(`small:${seed}`);
  const blobs: SmallBlob[] = [];
  for (let i = 0; i < count; i++) {
    const data = source.next(sizeBytes);
    blobs.push({ digest: Digest.parse(createHash('sha256').update(data).digest('hex'), sizeBytes), data });
  }
  return blobs;
}

/**
 * Splits blobs into BatchUpdateBlobs requests whose summed blob sizes stay
 * within `maxBatchTotalSizeBytes` (what the server advertises as
 * max_batch_total_size_bytes, and counts the same way), in order, as full
 * as possible. A single blob larger than the limit is refused: it belongs
 * in a ByteStream Write.
 */
export function packBatches(blobs: readonly SmallBlob[], maxBatchTotalSizeBytes: number): BatchUpdateBlobsRequest[] {
  const batches: BatchUpdateBlobsRequest[] = [];
  let current: SmallBlob[] = [];
  let total = 0;
  const flush = (): void => {
    if (current.length === 0) return;
    batches.push({
      instanceName: '',
      requests: current.map((b) => ({ digest: { hash: b.digest.hash, sizeBytes: b.digest.sizeBytes }, data: b.data, compressor: Compressor_Value.IDENTITY })),
      digestFunction: DigestFunction_Value.SHA256,
    });
    current = [];
    total = 0;
  };
  for (const blob of blobs) {
    if (blob.digest.sizeBytes > maxBatchTotalSizeBytes) {
      throw new Error(`blob ${blob.digest} is larger than the batch limit of ${maxBatchTotalSizeBytes} bytes`);
    }
    if (total + blob.digest.sizeBytes > maxBatchTotalSizeBytes) flush();
    current.push(blob);
    total += blob.digest.sizeBytes;
  }
  flush();
  return batches;
}
