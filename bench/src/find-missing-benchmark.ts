import { Digest } from '@actiond/digest';
import { DigestFunction_Value, FindMissingBlobsRequest, FindMissingBlobsResponse } from '@actiond/proto';
import type { CacheClient } from './cache-client.ts';
import { DeterministicBytes } from './deterministic-bytes.ts';
import { Measurement } from './measurement.ts';
import type { RssSampler } from './rss-sampler.ts';
import { timed, timedCall } from './timed-run.ts';

/** Parameters of {@link runFindMissingBenchmark}. */
export interface FindMissingBenchmarkOptions {
  readonly client: CacheClient;
  /** The server's pid, whose CPU time is counted during each call. */
  readonly serverPid: number;
  readonly sampler: RssSampler;
  /** Digests the server holds; exactly `digestCount / 2` of them are asked for. */
  readonly present: readonly Digest[];
  /** Digests per request (100,000 in the standard run), half present, half absent. */
  readonly digestCount: number;
  readonly runs: number;
  readonly progress: (line: string) => void;
}

/** What {@link runFindMissingBenchmark} measured. */
export interface FindMissingResults {
  /** Client-observed latency of one call, ms. */
  readonly latency: Measurement;
  /** This client's protobuf work, encoding the request and decoding the answer, ms; measured apart, not part of `latency`. */
  readonly clientCodec: Measurement;
  /** Bytes of the request and of the answer on the wire (protobuf, before gRPC framing). */
  readonly requestBytes: number;
  readonly responseBytes: number;
}

/**
 * One FindMissingBlobs of `digestCount` digests, present and absent ones
 * alternating, timed from the call to its answer, after one untimed
 * warm-up call. Each answer must list exactly the absent digests.
 * The request is encoded once before timing and sent as bytes, and the
 * answer is decoded after the timer stops: the latency is the server's
 * round trip, not this client's protobuf work, which is timed on its own.
 */
export async function runFindMissingBenchmark(options: FindMissingBenchmarkOptions): Promise<FindMissingResults> {
  const { client, sampler, digestCount, runs } = options;
  const half = digestCount / 2;
  if (!Number.isInteger(half) || options.present.length < half) {
    throw new Error(`FindMissingBlobs needs ${half} present digests and an even count, got ${options.present.length} of ${digestCount}`);
  }
  const absentSource = new DeterministicBytes('absent');
  const absent = Array.from({ length: half }, () => Digest.parse(absentSource.next(32).toString('hex'), 1024));
  const blobDigests = [];
  for (let i = 0; i < half; i++) {
    const present = options.present[i]!;
    blobDigests.push({ hash: present.hash, sizeBytes: present.sizeBytes }, { hash: absent[i]!.hash, sizeBytes: absent[i]!.sizeBytes });
  }
  const request: FindMissingBlobsRequest = { instanceName: '', blobDigests, digestFunction: DigestFunction_Value.SHA256 };
  const expected = new Set(absent.map((d) => d.key));

  const latency = new Measurement(`FindMissingBlobs of ${digestCount} digests`, 'ms');
  const clientCodec = new Measurement('client protobuf encode + decode (not in the latency)', 'ms');
  // Encoded once, untimed: the timed call sends these bytes as they are.
  const encodedRequest = Buffer.from(FindMissingBlobsRequest.encode(request).finish());
  options.progress('FindMissingBlobs warm-up call');
  await client.findMissingBlobsEncoded(encodedRequest, 60_000);
  let responseBytes = 0;
  for (let run = 1; run <= runs; run++) {
    options.progress(`FindMissingBlobs run ${run}/${runs}`);
    sampler.enter('FindMissingBlobs');
    const call = await timedCall(options.serverPid, () => client.findMissingBlobsEncoded(encodedRequest, 60_000));
    sampler.enter(undefined);
    latency.add(call, call.seconds * 1000);
    const answer = call.value;
    responseBytes = answer.length;

    // The client's protobuf work, outside the latency: what a client would add on top.
    const codec = await timed(() => {
      FindMissingBlobsRequest.encode(request).finish();
      return FindMissingBlobsResponse.decode(answer);
    });
    clientCodec.add(codec, codec.seconds * 1000);
    const missing = codec.value.missingBlobDigests;
    const unexpected = missing.find((d) => !expected.has(`${d.hash}/${d.sizeBytes}`));
    if (missing.length !== half || unexpected !== undefined || new Set(missing.map((d) => d.hash)).size !== half) {
      throw new Error(`FindMissingBlobs reported ${missing.length} missing digests, expected exactly the ${half} absent ones${unexpected ? ` (it lists ${unexpected.hash}/${unexpected.sizeBytes}, which is present)` : ''}`);
    }
  }
  const requestBytes = encodedRequest.length;
  return { latency, clientCodec, requestBytes, responseBytes };
}
