import { randomUUID } from 'node:crypto';
import { credentials, Metadata, type ClientOptions, type ServiceError } from '@grpc/grpc-js';
import type { Digest } from '@actiond/digest';
import {
  bytestream,
  CapabilitiesClient,
  ContentAddressableStorageClient,
  ContentAddressableStorageService,
  type BatchUpdateBlobsRequest,
  type BatchUpdateBlobsResponse,
  type FindMissingBlobsRequest,
  type FindMissingBlobsResponse,
  type ServerCapabilities,
} from '@actiond/proto';

/**
 * Channel options of the benchmark's client, chosen to behave like Bazel's
 * (grpc-java on Netty) rather than like grpc-js's defaults:
 * - message limits raised, as Bazel raises its inbound limit; the default
 *   4 MiB would refuse a FindMissingBlobs answer listing 55,000 or more
 *   missing digests before the server is to blame;
 * - a 1 MiB HTTP/2 receive window (grpc-java's default flow-control window)
 *   instead of HTTP/2's 64 KiB, so ByteStream Read is not paced by window
 *   updates that Bazel would not have to wait for.
 */
const CHANNEL_OPTIONS: Partial<ClientOptions> = {
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
  'grpc-node.flow_control_window': 1024 * 1024,
};

/**
 * The REAPI calls the cache benchmark makes, over the generated clients
 * from @actiond/proto on one address, each with a deadline so that a hung
 * server fails the benchmark instead of stalling it. Resource names use
 * the default (empty) instance name and SHA-256 (no digest function
 * segment), as Bazel sends them.
 */
export class CacheClient {
  readonly #cas: ContentAddressableStorageClient;
  readonly #byteStream: bytestream.ByteStreamClient;
  readonly #capabilities: CapabilitiesClient;

  constructor(address: string) {
    const insecure = credentials.createInsecure();
    this.#cas = new ContentAddressableStorageClient(address, insecure, CHANNEL_OPTIONS);
    this.#byteStream = new bytestream.ByteStreamClient(address, insecure, CHANNEL_OPTIONS);
    this.#capabilities = new CapabilitiesClient(address, insecure, CHANNEL_OPTIONS);
  }

  getCapabilities(timeoutMs: number): Promise<ServerCapabilities> {
    return unary((done) => this.#capabilities.getCapabilities({ instanceName: '' }, new Metadata(), withDeadline(timeoutMs), done));
  }

  findMissingBlobs(request: FindMissingBlobsRequest, timeoutMs: number): Promise<FindMissingBlobsResponse> {
    return unary((done) => this.#cas.findMissingBlobs(request, new Metadata(), withDeadline(timeoutMs), done));
  }

  /**
   * FindMissingBlobs with a request already protobuf-encoded, resolving to
   * the answer's undecoded bytes: the call as the server sees it, without
   * this client's protobuf work (a real client builds its request while
   * walking its inputs, and the benchmark decodes the answer afterwards).
   */
  findMissingBlobsEncoded(request: Buffer, timeoutMs: number): Promise<Buffer> {
    const path = ContentAddressableStorageService.findMissingBlobs.path;
    const identity = (bytes: Buffer): Buffer => bytes;
    return unary((done) => this.#cas.makeUnaryRequest(path, identity, identity, request, new Metadata(), withDeadline(timeoutMs), (error, response) => done(error, response ?? Buffer.alloc(0))));
  }

  batchUpdateBlobs(request: BatchUpdateBlobsRequest, timeoutMs: number): Promise<BatchUpdateBlobsResponse> {
    return unary((done) => this.#cas.batchUpdateBlobs(request, new Metadata(), withDeadline(timeoutMs), done));
  }

  /**
   * ByteStream Write of `chunks` (the blob's content, in order) to a fresh
   * `uploads/{uuid}/blobs/{hash}/{size}`, one WriteRequest per chunk, the
   * last with finish_write. Sends only as fast as the channel drains (no
   * buffering of the whole blob), stops sending if the server answers
   * early, and resolves to the committed_size it reports.
   */
  write(digest: Digest, chunks: Iterable<Buffer>, timeoutMs: number): Promise<number> {
    const resourceName = `uploads/${randomUUID()}/blobs/${digest.hash}/${digest.sizeBytes}`;
    return new Promise((resolve, reject) => {
      let answered = false;
      let wake = (): void => {};
      const call = this.#byteStream.write(withDeadline(timeoutMs), (error, response) => {
        answered = true;
        wake();
        if (error !== null) reject(error);
        else resolve(response.committedSize);
      });
      const send = async (): Promise<void> => {
        const iterator = chunks[Symbol.iterator]();
        let offset = 0;
        let current = iterator.next();
        while (current.done !== true && !answered) {
          const data = current.value;
          current = iterator.next();
          const finishWrite = current.done === true;
          const room = call.write({ resourceName: offset === 0 ? resourceName : '', writeOffset: offset, data, finishWrite });
          offset += data.length;
          if (!room && !answered) {
            await new Promise<void>((resume) => {
              wake = resume;
              call.once('drain', resume);
            });
            call.removeListener('drain', wake);
          }
        }
        call.end();
      };
      send().catch((err: unknown) => {
        call.cancel();
        reject(err);
      });
    });
  }

  /**
   * ByteStream Read of `blobs/{hash}/{size}` from the start to the end,
   * handing each response's data to `consume` (which must not keep it for
   * long); resolves to the number of bytes received.
   */
  async read(digest: Digest, timeoutMs: number, consume: (data: Buffer) => void = () => {}): Promise<number> {
    const call = this.#byteStream.read(
      { resourceName: `blobs/${digest.hash}/${digest.sizeBytes}`, readOffset: 0, readLimit: 0 },
      withDeadline(timeoutMs),
    );
    let received = 0;
    for await (const response of call as AsyncIterable<bytestream.ReadResponse>) {
      received += response.data.length;
      consume(response.data);
    }
    return received;
  }

  close(): void {
    this.#cas.close();
    this.#byteStream.close();
    this.#capabilities.close();
  }
}

function withDeadline(timeoutMs: number): { deadline: Date } {
  return { deadline: new Date(Date.now() + timeoutMs) };
}

function unary<T>(start: (done: (error: ServiceError | null, response: T) => void) => unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    start((error, response) => (error !== null ? reject(error) : resolve(response)));
  });
}
