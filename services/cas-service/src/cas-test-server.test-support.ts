// Test support, not exported: the CAS and ByteStream services on a real
// grpc-js server (127.0.0.1:0) over a DiskBlobAccess in a temp directory,
// with the generated clients and promise wrappers around them.
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { DiskBlobAccess, type UploadSessionsOptions } from '@actiond/blobstore';
import { type Digest, SHA256 } from '@actiond/digest';
import { bytestream, ContentAddressableStorageClient } from '@actiond/proto';
import { installRawRoutes } from '@actiond/rpc';
import { createRecordingTelemetry, type RecordingTelemetry } from '@actiond/telemetry';
import { InstanceNames } from '@actiond/reapi';
import { RECOMMENDED_MAX_MESSAGE_BYTES } from './cas-limits.ts';
import { createCasServices, type CasServices } from './cas-services.ts';

/** A running server, its store and clients. */
export interface CasTestServer {
  readonly blobs: DiskBlobAccess;
  readonly services: CasServices;
  readonly telemetry: RecordingTelemetry;
  readonly cas: ContentAddressableStorageClient;
  readonly byteStream: bytestream.ByteStreamClient;
  close(): Promise<void>;
}

const CHANNEL_OPTIONS = {
  'grpc.max_receive_message_length': RECOMMENDED_MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': RECOMMENDED_MAX_MESSAGE_BYTES,
};

/** Starts the services; instance names "" and "main" unless given. */
export async function startCasTestServer(options: { instanceNames?: InstanceNames; uploads?: UploadSessionsOptions } = {}): Promise<CasTestServer> {
  const directory = await mkdtemp(join(tmpdir(), 'cas-service-test-'));
  const blobs = await DiskBlobAccess.open({ directory });
  const telemetry = await createRecordingTelemetry();
  const services = createCasServices({
    blobs,
    instanceNames: options.instanceNames ?? new InstanceNames(['', 'main']),
    telemetry,
    ...(options.uploads === undefined ? {} : { uploads: options.uploads }),
  });
  const server = new grpc.Server(CHANNEL_OPTIONS);
  for (const { service, implementation } of services) server.addService(service, implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  // As serve does: ByteStream Write and Read go through the raw HTTP/2 fast lane.
  installRawRoutes(server, services.rawRoutes, { maxMessageBytes: RECOMMENDED_MAX_MESSAGE_BYTES });
  const address = `127.0.0.1:${port}`;
  const cas = new ContentAddressableStorageClient(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  const byteStream = new bytestream.ByteStreamClient(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  return {
    blobs,
    services,
    telemetry,
    cas,
    byteStream,
    close: async () => {
      cas.close();
      byteStream.close();
      server.forceShutdown();
      await services.close();
      await telemetry.shutdown();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Resolves with the response or rejects with the ServiceError of a callback-style call. */
export function call<Res>(start: (callback: (err: grpc.ServiceError | null, response?: Res) => void) => unknown): Promise<Res> {
  return new Promise((resolve, reject) => {
    start((err, response) => (err ? reject(err) : resolve(response as Res)));
  });
}

/** Everything a server stream delivered and how it ended. */
export interface StreamResult<Res> {
  readonly messages: Res[];
  readonly error: grpc.ServiceError | undefined;
}

/** Reads a response stream to its end. */
export function collect<Res>(stream: grpc.ClientReadableStream<Res>): Promise<StreamResult<Res>> {
  const messages: Res[] = [];
  let error: grpc.ServiceError | undefined;
  stream.on('data', (message: Res) => messages.push(message));
  stream.on('error', (err: grpc.ServiceError) => (error = err));
  return new Promise((resolve) => stream.on('close', () => resolve({ messages, error })));
}

/** ByteStream Read of `resourceName`: the concatenated data, or the error. */
export async function readBlob(
  server: CasTestServer,
  resourceName: string,
  range: { readOffset?: number; readLimit?: number } = {},
): Promise<{ data: Buffer; chunks: number[]; error: grpc.ServiceError | undefined }> {
  const result = await collect(server.byteStream.read({ resourceName, readOffset: range.readOffset ?? 0, readLimit: range.readLimit ?? 0 }));
  return { data: Buffer.concat(result.messages.map((m) => m.data)), chunks: result.messages.map((m) => m.data.length), error: result.error };
}

/**
 * A ByteStream Write that sends `requests` (awaiting 'drain' when grpc-js
 * says its buffer is full) and half-closes unless `end` is false.
 */
export async function writeRequests(
  server: CasTestServer,
  requests: Iterable<bytestream.WriteRequest> | AsyncIterable<bytestream.WriteRequest>,
  options: { end?: boolean } = {},
): Promise<bytestream.WriteResponse> {
  let stream!: grpc.ClientWritableStream<bytestream.WriteRequest>;
  const response = call<bytestream.WriteResponse>((cb) => (stream = server.byteStream.write(cb)));
  let answered = false;
  response.then(
    () => (answered = true),
    () => (answered = true),
  );
  for await (const request of requests) {
    if (answered) break;
    if (!stream.write(request)) await Promise.race([once(stream, 'drain'), response.catch(() => undefined)]);
  }
  if (options.end !== false && !answered) stream.end();
  return response;
}

/** WriteRequests carrying `data` in pieces of `pieceBytes`, starting at `offset`, the last with finish_write. */
export function* pieces(
  resourceName: string,
  data: Buffer,
  pieceBytes: number,
  options: { offset?: number; finish?: boolean; nameEveryRequest?: boolean } = {},
): Generator<bytestream.WriteRequest> {
  const start = options.offset ?? 0;
  const finish = options.finish ?? true;
  if (data.length === 0) {
    yield { resourceName, writeOffset: start, finishWrite: finish, data: Buffer.alloc(0) };
    return;
  }
  for (let at = 0; at < data.length; at += pieceBytes) {
    const chunk = data.subarray(at, at + pieceBytes);
    yield {
      resourceName: at === 0 || options.nameEveryRequest === true ? resourceName : '',
      writeOffset: start + at,
      finishWrite: finish && at + chunk.length >= data.length,
      data: chunk,
    };
  }
}

/** The digest of `data`. */
export function digestOf(data: Uint8Array): Digest {
  return SHA256.compute(data);
}

/** A REAPI Digest message for `digest`. */
export function proto(digest: Digest): { hash: string; sizeBytes: number } {
  return { hash: digest.hash, sizeBytes: digest.sizeBytes };
}

/** Bytes that compress well, distinct per seed. */
export function compressible(size: number, seed = 0): Buffer {
  const line = Buffer.from(`line of build output number ${seed} with some repetition\n`);
  const out = Buffer.alloc(size);
  for (let at = 0; at < size; at += line.length) line.copy(out, at);
  return out;
}
