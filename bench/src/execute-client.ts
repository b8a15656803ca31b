import { credentials, Metadata, type ClientOptions, type ServiceError } from '@grpc/grpc-js';
import type { Digest } from '@actiond/digest';
import {
  ContentAddressableStorageClient,
  ExecuteResponse,
  ExecutionClient,
  type BatchReadBlobsResponse,
  type BatchUpdateBlobsResponse,
  type longrunning,
} from '@actiond/proto';

/** The type URL the server packs the final ExecuteResponse under. */
const EXECUTE_RESPONSE_TYPE_URL = 'type.googleapis.com/build.bazel.remote.execution.v2.ExecuteResponse';

/** Message limits raised as Bazel raises them, so a large batch is never the client's problem. */
const CHANNEL_OPTIONS: Partial<ClientOptions> = {
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
};

/** A blob to upload: its digest and bytes. */
export interface UploadBlob {
  readonly digest: Digest;
  readonly data: Buffer;
}

/**
 * The REAPI calls the execution benchmark makes: uploads and reads of small
 * blobs, and Execute, over one channel per service on one address. Every
 * call has a deadline, so a hung server fails the benchmark instead of
 * stalling it. Default (empty) instance name, SHA-256, as Bazel sends them.
 */
export class ExecuteClient {
  readonly #cas: ContentAddressableStorageClient;
  readonly #execution: ExecutionClient;

  constructor(address: string) {
    const insecure = credentials.createInsecure();
    this.#cas = new ContentAddressableStorageClient(address, insecure, CHANNEL_OPTIONS);
    this.#execution = new ExecutionClient(address, insecure, CHANNEL_OPTIONS);
  }

  /**
   * Uploads `blobs` with BatchUpdateBlobs, in requests of at most
   * `maxRequestBytes` of data; throws naming the first blob the server
   * refused.
   */
  async upload(blobs: readonly UploadBlob[], timeoutMs: number, maxRequestBytes = 2 * 1024 * 1024): Promise<void> {
    let batch: UploadBlob[] = [];
    let bytes = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const requests = batch.map(({ digest, data }) => ({ digest: { hash: digest.hash, sizeBytes: digest.sizeBytes }, data, compressor: 0 as const }));
      const response = await unary<BatchUpdateBlobsResponse>((done) =>
        this.#cas.batchUpdateBlobs({ instanceName: '', requests, digestFunction: 0 }, new Metadata(), withDeadline(timeoutMs), done),
      );
      const refused = response.responses.find((r) => (r.status?.code ?? 0) !== 0);
      if (refused !== undefined) {
        throw new Error(`BatchUpdateBlobs refused blob ${refused.digest?.hash}/${refused.digest?.sizeBytes}: ${refused.status?.message}`);
      }
      batch = [];
      bytes = 0;
    };
    for (const blob of blobs) {
      if (bytes + blob.data.length > maxRequestBytes) await flush();
      batch.push(blob);
      bytes += blob.data.length;
    }
    await flush();
  }

  /** Reads small blobs with BatchReadBlobs; throws naming a blob the server could not return. */
  async read(digests: readonly { hash: string; sizeBytes: number }[], timeoutMs: number): Promise<Buffer[]> {
    const response = await unary<BatchReadBlobsResponse>((done) =>
      this.#cas.batchReadBlobs(
        { instanceName: '', digests: digests.map((d) => ({ hash: d.hash, sizeBytes: d.sizeBytes })), acceptableCompressors: [], digestFunction: 0 },
        new Metadata(),
        withDeadline(timeoutMs),
        done,
      ),
    );
    return digests.map((digest, i) => {
      const answer = response.responses[i];
      if (answer === undefined || answer.digest?.hash !== digest.hash || (answer.status?.code ?? 0) !== 0) {
        throw new Error(`BatchReadBlobs did not return blob ${digest.hash}/${digest.sizeBytes}: ${answer?.status?.message ?? 'no answer'}`);
      }
      return answer.data;
    });
  }

  /**
   * Execute of `actionDigest` with skip_cache_lookup (so the action really
   * runs every time); resolves to the ExecuteResponse of the operation
   * that is done. Throws on an RPC error or a stream that ends without a
   * done operation.
   */
  execute(actionDigest: Digest, timeoutMs: number): Promise<ExecuteResponse> {
    return new Promise((resolve, reject) => {
      const call = this.#execution.execute(
        {
          instanceName: '',
          skipCacheLookup: true,
          actionDigest: { hash: actionDigest.hash, sizeBytes: actionDigest.sizeBytes },
          executionPolicy: undefined,
          resultsCachePolicy: undefined,
          digestFunction: 0,
          inlineStdout: false,
          inlineStderr: false,
          inlineOutputFiles: [],
        },
        withDeadline(timeoutMs),
      );
      let response: ExecuteResponse | undefined;
      call.on('data', (operation: longrunning.Operation) => {
        if (!operation.done) return;
        if (operation.response?.typeUrl !== EXECUTE_RESPONSE_TYPE_URL) {
          reject(new Error(`operation ${operation.name} is done without an ExecuteResponse (type ${operation.response?.typeUrl})`));
          return;
        }
        response = ExecuteResponse.decode(operation.response.value);
      });
      call.on('error', reject);
      call.on('end', () => {
        if (response !== undefined) resolve(response);
        else reject(new Error(`the Execute stream of ${actionDigest} ended without a done operation`));
      });
    });
  }

  close(): void {
    this.#cas.close();
    this.#execution.close();
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
