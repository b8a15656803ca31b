import { status } from '@grpc/grpc-js';
import type { Digest } from '@actiond/digest';
import type { CacheClient } from './cache-client.ts';
import { Measurement } from './measurement.ts';
import type { RssSampler } from './rss-sampler.ts';
import { makeSmallBlobs, packBatches } from './small-blobs.ts';
import { timedCall } from './timed-run.ts';

/** Parameters of {@link runBatchUpdateBenchmark}. */
export interface BatchUpdateBenchmarkOptions {
  readonly client: CacheClient;
  /** The server's pid, whose CPU time is counted during each call. */
  readonly serverPid: number;
  readonly sampler: RssSampler;
  /** Blobs per run (10,000 in the standard run) and their size (1 KiB). */
  readonly blobCount: number;
  readonly blobBytes: number;
  /** The server's max_batch_total_size_bytes from GetCapabilities. */
  readonly maxBatchTotalSizeBytes: number;
  readonly runs: number;
  readonly progress: (line: string) => void;
}

/** What {@link runBatchUpdateBenchmark} measured, and the blobs it left on the server. */
export interface BatchUpdateResults {
  /** Wall time to upload all blobs of a run, seconds. */
  readonly seconds: Measurement;
  /** Blobs stored per second, per run. */
  readonly blobsPerSecond: Measurement;
  /** Requests per run. */
  readonly batchesPerRun: number;
  /** Every blob uploaded, all now present on the server. */
  readonly stored: readonly Digest[];
}

/**
 * Uploads `blobCount` new random blobs per run with BatchUpdateBlobs,
 * packed to the server's advertised batch limit and sent one request after
 * another (the server's per-blob cost, not client concurrency, sets the
 * pace). Blobs and requests are built before the timer starts; every
 * per-blob status must be OK.
 */
export async function runBatchUpdateBenchmark(options: BatchUpdateBenchmarkOptions): Promise<BatchUpdateResults> {
  const { client, sampler, blobCount, runs } = options;
  const seconds = new Measurement(`BatchUpdateBlobs of ${blobCount} blobs`, 's');
  const blobsPerSecond = new Measurement('BatchUpdateBlobs', 'blobs/s');
  const stored: Digest[] = [];
  let batchesPerRun = 0;
  for (let run = 1; run <= runs; run++) {
    options.progress(`BatchUpdateBlobs run ${run}/${runs}`);
    const blobs = makeSmallBlobs(blobCount, options.blobBytes, `batch-${run}`);
    const batches = packBatches(blobs, options.maxBatchTotalSizeBytes);
    batchesPerRun = batches.length;
    sampler.enter('BatchUpdateBlobs');
    const upload = await timedCall(options.serverPid, async () => {
      const responses = [];
      for (const batch of batches) responses.push(await client.batchUpdateBlobs(batch, 60_000));
      return responses;
    });
    sampler.enter(undefined);
    const answers = upload.value.flatMap((r) => r.responses);
    if (answers.length !== blobs.length) throw new Error(`BatchUpdateBlobs answered for ${answers.length} blobs, ${blobs.length} were sent`);
    answers.forEach((answer, i) => {
      const code = answer.status?.code ?? status.OK;
      if (code !== status.OK || answer.digest?.hash !== blobs[i]!.digest.hash) {
        throw new Error(`BatchUpdateBlobs did not store ${blobs[i]!.digest}: code ${code}, ${answer.status?.message ?? ''} (answer for ${answer.digest?.hash})`);
      }
    });
    seconds.add(upload, upload.seconds);
    blobsPerSecond.add(upload, blobCount / upload.seconds);
    stored.push(...blobs.map((b) => b.digest));
  }
  return { seconds, blobsPerSecond, batchesPerRun, stored };
}
