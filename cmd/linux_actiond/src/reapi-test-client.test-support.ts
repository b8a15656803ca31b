import { createHash } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import {
  Action,
  ActionCacheClient,
  Command,
  ContentAddressableStorageClient,
  Directory,
  ExecuteOperationMetadata,
  ExecuteRequest,
  ExecuteResponse,
  ExecutionClient,
  Platform,
  type BatchUpdateBlobsRequest,
  type ActionResult,
  type BatchUpdateBlobsResponse,
  type Digest,
} from '@actiond/proto';
import { longrunning } from '@actiond/proto';

/** What an input file of a test action holds. */
export interface TestFile {
  readonly contents: string;
  readonly executable?: boolean;
}

/** A test action: a bash script run in a runtime, with inputs and declared outputs. */
export interface TestAction {
  readonly script: string;
  readonly inputs?: Readonly<Record<string, TestFile>>;
  readonly outputFiles?: readonly string[];
  readonly outputDirectories?: readonly string[];
  readonly properties?: Readonly<Record<string, string>>;
  readonly timeoutSeconds?: number;
  readonly doNotCache?: boolean;
}

/** A small REAPI client for tests: uploads an action's blobs and executes it. */
export class ReapiTestClient {
  readonly cas: ContentAddressableStorageClient;
  readonly execution: ExecutionClient;
  readonly actionCache: ActionCacheClient;

  constructor(address: string) {
    const credentials = grpc.credentials.createInsecure();
    this.cas = new ContentAddressableStorageClient(address, credentials);
    this.execution = new ExecutionClient(address, credentials);
    this.actionCache = new ActionCacheClient(address, credentials);
  }

  close(): void {
    this.cas.close();
    this.execution.close();
    this.actionCache.close();
  }

  /** GetActionResult of an action; rejects with the call's ServiceError (NOT_FOUND for a miss). */
  getActionResult(actionDigest: Digest): Promise<ActionResult> {
    return new Promise((resolve, reject) =>
      this.actionCache.getActionResult({ instanceName: '', actionDigest, inlineStdout: false, inlineStderr: false, inlineOutputFiles: [], digestFunction: 0 }, (e, r) => (e ? reject(e) : resolve(r))),
    );
  }

  /** Uploads blobs with BatchUpdateBlobs; returns their digests in order. */
  async upload(blobs: readonly Uint8Array[]): Promise<Digest[]> {
    const digests = blobs.map(digestOf);
    const request: BatchUpdateBlobsRequest = {
      instanceName: '',
      digestFunction: 0,
      requests: blobs.map((data, i) => ({ digest: digests[i]!, data: Buffer.from(data), compressor: 0 })),
    };
    const response = await new Promise<BatchUpdateBlobsResponse>((resolve, reject) =>
      this.cas.batchUpdateBlobs(request, (e, r) => (e ? reject(e) : resolve(r))),
    );
    const failed = response.responses.find((r) => (r.status?.code ?? 0) !== 0);
    if (failed) throw new Error(`upload failed: ${failed.status?.message}`);
    return digests;
  }

  /**
   * Builds the Action, Command and input tree of `action` and uploads them;
   * with `omitFiles`, the input files' contents stay behind (to test missing
   * inputs) and are returned as `missing`.
   */
  async prepare(action: TestAction, options: { omitFiles?: boolean } = {}): Promise<{ actionDigest: Digest; missing: Digest[] }> {
    const blobs: Uint8Array[] = [];
    const files: Uint8Array[] = [];
    const root = this.#directory(action.inputs ?? {}, blobs, files);
    const command = Command.encode(
      Command.fromPartial({
        arguments: ['/bin/bash', '-c', action.script],
        environmentVariables: [{ name: 'PATH', value: '/bin:/usr/bin' }],
        outputFiles: [...(action.outputFiles ?? [])].sort(),
        outputDirectories: [...(action.outputDirectories ?? [])].sort(),
        platform: platformOf(action.properties ?? { libc: 'glibc2.36' }),
      }),
    ).finish();
    blobs.push(command);
    const actionBlob = Action.encode(
      Action.fromPartial({
        commandDigest: digestOf(command),
        inputRootDigest: digestOf(root),
        doNotCache: action.doNotCache ?? false,
        ...(action.timeoutSeconds !== undefined ? { timeout: { seconds: action.timeoutSeconds, nanos: 0 } } : {}),
      }),
    ).finish();
    blobs.push(actionBlob);
    await this.upload(options.omitFiles ? blobs : [...blobs, ...files]);
    return { actionDigest: digestOf(actionBlob), missing: options.omitFiles ? files.map(digestOf) : [] };
  }

  /** Runs Execute to completion; resolves with the final response, rejects with the RPC error. */
  execute(actionDigest: Digest, options: { skipCacheLookup?: boolean } = {}): Promise<{ response: ExecuteResponse; operationName: string; stages: number[] }> {
    const request = ExecuteRequest.fromPartial({ actionDigest, skipCacheLookup: options.skipCacheLookup ?? false });
    return collectOperations(this.execution.execute(request));
  }

  /** WaitExecution on an operation name, to completion. */
  wait(name: string): Promise<{ response: ExecuteResponse; operationName: string; stages: number[] }> {
    return collectOperations(this.execution.waitExecution({ name }));
  }

  /** Reads a blob by BatchReadBlobs as text. */
  async read(digest: Digest): Promise<string> {
    const response = await new Promise<{ responses: { data: Buffer }[] }>((resolve, reject) =>
      this.cas.batchReadBlobs({ instanceName: '', digests: [digest], acceptableCompressors: [], digestFunction: 0 }, (e, r) =>
        e ? reject(e) : resolve(r),
      ),
    );
    return response.responses[0]!.data.toString();
  }

  /** Encodes a Directory tree; Directory messages go to `blobs`, file contents to `contents`. */
  #directory(files: Readonly<Record<string, TestFile>>, blobs: Uint8Array[], contents: Uint8Array[]): Uint8Array {
    // Nested paths become nested Directory messages, canonical (sorted by name).
    const here = new Map<string, TestFile>();
    const below = new Map<string, Record<string, TestFile>>();
    for (const [path, file] of Object.entries(files)) {
      const slash = path.indexOf('/');
      if (slash < 0) here.set(path, file);
      else {
        const head = path.slice(0, slash);
        below.set(head, { ...(below.get(head) ?? {}), [path.slice(slash + 1)]: file });
      }
    }
    const fileNodes = [...here.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, file]) => {
      const data = Buffer.from(file.contents);
      contents.push(data);
      return { name, digest: digestOf(data), isExecutable: file.executable ?? false };
    });
    const dirNodes = [...below.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, sub]) => {
      const encoded = this.#directory(sub, blobs, contents);
      return { name, digest: digestOf(encoded) };
    });
    const encoded = Directory.encode(Directory.fromPartial({ files: fileNodes, directories: dirNodes })).finish();
    blobs.push(encoded);
    return encoded;
  }
}

export function digestOf(data: Uint8Array): Digest {
  return { hash: createHash('sha256').update(data).digest('hex'), sizeBytes: data.length };
}

function platformOf(properties: Readonly<Record<string, string>>): Platform {
  return Platform.fromPartial({
    properties: Object.entries(properties)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, value]) => ({ name, value })),
  });
}

function collectOperations(
  stream: grpc.ClientReadableStream<longrunning.Operation>,
): Promise<{ response: ExecuteResponse; operationName: string; stages: number[] }> {
  return new Promise((resolve, reject) => {
    const stages: number[] = [];
    let operationName = '';
    stream.on('data', (operation: longrunning.Operation) => {
      operationName = operation.name;
      if (operation.metadata) stages.push(ExecuteOperationMetadata.decode(operation.metadata.value).stage);
      if (operation.done && operation.response) {
        resolve({ response: ExecuteResponse.decode(operation.response.value), operationName, stages });
      }
    });
    stream.on('error', reject);
    stream.on('end', () => reject(new Error('the Execute stream ended before the operation was done')));
  });
}
