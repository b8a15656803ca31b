import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CacheClient } from './cache-client.ts';
import type { RawWriteClient } from './raw-write-client.ts';
import { BlobPattern, LargeBlob } from './large-blob.ts';
import { flushDirtyPages, timeFileWrite, timeSha256, timeSha256sum } from './machine-limits.ts';
import { Measurement } from './measurement.ts';
import type { RssSampler } from './rss-sampler.ts';
import { megabytesPerSecond } from './statistics.ts';
import { timedCall } from './timed-run.ts';

/** Parameters of {@link runByteStreamBenchmark}. */
export interface ByteStreamBenchmarkOptions {
  readonly client: CacheClient;
  /** The raw HTTP/2 Write client (src/raw-write-client.ts) of the main Write measurement. */
  readonly rawWriteClient: RawWriteClient;
  /** The server's pid, whose CPU time is counted during each call. */
  readonly serverPid: number;
  readonly sampler: RssSampler;
  /** Size of each blob (1 GiB in the standard run). */
  readonly blobBytes: number;
  readonly runs: number;
  /** The null ByteStream server (src/null-byte-stream-server.ts): the grpc-js + protobuf limit. */
  readonly nullServer: { readonly client: CacheClient; readonly pid: number };
  /** A directory on the CAS's filesystem for the disk and sha256sum measurements. */
  readonly scratchDirectory: string;
  /** Called before each step, for progress output. */
  readonly progress: (line: string) => void;
}

/** What {@link runByteStreamBenchmark} measured, all in MB/s. */
export interface ByteStreamResults {
  readonly sha256Node: Measurement;
  readonly sha256sum: Measurement;
  readonly diskWrite: Measurement;
  readonly diskWriteFsync: Measurement;
  /** Write with the raw HTTP/2 client: the target's number. */
  readonly write: Measurement;
  /** Write with the grpc-js client, for comparison (and with the null server). */
  readonly writeGrpcJs: Measurement;
  readonly read: Measurement;
  readonly nullWrite: Measurement;
  readonly nullRead: Measurement;
}

/**
 * ByteStream Write and Read of large blobs against the machine's own limits,
 * interleaved round by round (SHA-256, disk write without and with fsync,
 * server Write with the raw HTTP/2 client, server Write with the grpc-js
 * client, server Read, then Write and Read with the null server) so that
 * load from other users of the shared machine hits limits and server alike
 * and the ratios stay meaningful.
 *
 * Every round uploads a new blob (a fresh seed), since a blob the server
 * already holds is answered without reading the upload. Digests are computed
 * before the timed parts; dirty pages are flushed (sync) before each timed
 * write or read so no run pays for the previous one's writeback.
 */
export async function runByteStreamBenchmark(options: ByteStreamBenchmarkOptions): Promise<ByteStreamResults> {
  const { client, sampler, blobBytes, runs, progress } = options;
  const results: ByteStreamResults = {
    sha256Node: new Measurement('SHA-256, node:crypto, one core', 'MB/s'),
    sha256sum: new Measurement('SHA-256, sha256sum of the file', 'MB/s'),
    diskWrite: new Measurement('disk write, no fsync (page cache, as the CAS writes)', 'MB/s'),
    diskWriteFsync: new Measurement('disk write + fsync', 'MB/s'),
    write: new Measurement('ByteStream Write (raw HTTP/2 client)', 'MB/s'),
    writeGrpcJs: new Measurement('ByteStream Write (grpc-js client)', 'MB/s'),
    read: new Measurement('ByteStream Read', 'MB/s'),
    nullWrite: new Measurement('ByteStream Write to the null server (grpc-js + protobuf only)', 'MB/s'),
    nullRead: new Measurement('ByteStream Read from the null server (grpc-js + protobuf only)', 'MB/s'),
  };
  const rate = (seconds: number): number => megabytesPerSecond(blobBytes, seconds);
  const file = join(options.scratchDirectory, 'disk-write.bin');
  const pattern = new BlobPattern('bytestream');
  let last: LargeBlob | undefined;
  const deadlineMs = 300_000;

  for (let round = 1; round <= runs; round++) {
    progress(`bytestream round ${round}/${runs}: generating the blob and its digest`);
    const blob = LargeBlob.create(pattern, blobBytes, `bytestream-${round}`);
    last = blob;

    const hashed = await timeSha256(blob);
    if (hashed.value !== blob.digest.hash) throw new Error(`SHA-256 of blob ${blob.digest} came out as ${hashed.value} on a second pass`);
    results.sha256Node.add(hashed, rate(hashed.seconds));

    for (const fsync of [false, true]) {
      rmSync(file, { force: true }); // a fresh file: ext4 flushes a truncated-and-rewritten one on close
      flushDirtyPages();
      const written = await timeFileWrite(file, blob, { fsync });
      (fsync ? results.diskWriteFsync : results.diskWrite).add(written, rate(written.seconds));
    }

    progress(`bytestream round ${round}/${runs}: Write (raw HTTP/2 client)`);
    flushDirtyPages();
    sampler.enter('ByteStream Write');
    const upload = await timedCall(options.serverPid, () => options.rawWriteClient.write(blob.digest, blob.chunks(), deadlineMs));
    sampler.enter(undefined);
    if (upload.value !== blob.sizeBytes) {
      throw new Error(`ByteStream Write of ${blob.digest} reported committed_size ${upload.value}, expected ${blob.sizeBytes}`);
    }
    results.write.add(upload, rate(upload.seconds));

    // A blob of its own: the server would answer the first one's upload as already stored.
    progress(`bytestream round ${round}/${runs}: Write (grpc-js client)`);
    const second = LargeBlob.create(pattern, blobBytes, `bytestream-${round}-grpc-js`);
    flushDirtyPages();
    sampler.enter('ByteStream Write');
    const grpcJsUpload = await timedCall(options.serverPid, () => client.write(second.digest, second.chunks(), deadlineMs));
    sampler.enter(undefined);
    if (grpcJsUpload.value !== second.sizeBytes) {
      throw new Error(`ByteStream Write of ${second.digest} (grpc-js client) reported committed_size ${grpcJsUpload.value}, expected ${second.sizeBytes}`);
    }
    results.writeGrpcJs.add(grpcJsUpload, rate(grpcJsUpload.seconds));

    progress(`bytestream round ${round}/${runs}: Read`);
    flushDirtyPages();
    sampler.enter('ByteStream Read');
    const download = await timedCall(options.serverPid, () => client.read(blob.digest, deadlineMs));
    sampler.enter(undefined);
    if (download.value !== blob.sizeBytes) {
      throw new Error(`ByteStream Read of ${blob.digest} returned ${download.value} bytes, expected ${blob.sizeBytes}`);
    }
    results.read.add(download, rate(download.seconds));

    progress(`bytestream round ${round}/${runs}: Write and Read with the null server`);
    const nullServer = options.nullServer;
    const nullUpload = await timedCall(nullServer.pid, () => nullServer.client.write(blob.digest, blob.chunks(), deadlineMs));
    if (nullUpload.value !== blob.sizeBytes) throw new Error(`the null server received ${nullUpload.value} bytes of ${blob.sizeBytes}`);
    results.nullWrite.add(nullUpload, rate(nullUpload.seconds));
    const nullDownload = await timedCall(nullServer.pid, () => nullServer.client.read(blob.digest, deadlineMs));
    if (nullDownload.value !== blob.sizeBytes) throw new Error(`the null server sent ${nullDownload.value} bytes of ${blob.sizeBytes}`);
    results.nullRead.add(nullDownload, rate(nullDownload.seconds));
  }

  // The file holds the last round's blob, still in the page cache.
  progress('bytestream: sha256sum of the file');
  for (let run = 1; run <= runs; run++) {
    const summed = await timeSha256sum(file, last!.digest.hash);
    results.sha256sum.add(summed, rate(summed.seconds));
  }
  rmSync(file, { force: true });

  // Untimed: the timed reads only counted bytes; check once that they are the right ones.
  progress('bytestream: verifying the content of one Read');
  const hash = createHash('sha256');
  await client.read(last!.digest, deadlineMs, (data) => hash.update(data));
  const readHash = hash.digest('hex');
  if (readHash !== last!.digest.hash) throw new Error(`ByteStream Read of ${last!.digest} returned content hashing to ${readHash}`);
  return results;
}
