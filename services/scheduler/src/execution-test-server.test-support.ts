// Test support, not exported: the Execution service on a real grpc-js
// server at 127.0.0.1:0, Execute and WaitExecution on its raw routes as in
// serve, with the wrapper chain the cmd builds around a fake runner, and a
// client-side view of one Operation stream.
import * as grpc from '@grpc/grpc-js';
import { InstanceNames } from '@actiond/reapi';
import type { Digest } from '@actiond/digest';
import { Action, Command, Directory, ExecuteOperationMetadata, ExecuteRequest, ExecuteResponse, ExecutionClient, type ExecutionStage_Value, type longrunning } from '@actiond/proto';
import { installRawRoutes } from '@actiond/rpc';
import { createNoopTelemetry } from '@actiond/telemetry';
import { CachingActionExecutor } from './caching-action-executor.ts';
import { createExecutionService } from './execution-service.ts';
import { FakeActionCache } from './fake-action-cache.test-support.ts';
import { FakeActionExecutor } from './fake-action-executor.test-support.ts';
import { MemoryBlobAccess } from '@actiond/blobstore';
import { MergingActionExecutor } from './merging-action-executor.ts';
import { OperationRegistry, type OperationRegistryOptions } from './operation-registry.ts';
import { QueuedActionExecutor } from './queued-action-executor.ts';
import { TimeoutPolicy } from './timeout-policy.ts';
import { TimingsLoggingActionExecutor } from './timings-logging-action-executor.ts';

/** A running server, its fakes and a client. */
export interface ExecutionTestServer {
  readonly client: ExecutionClient;
  readonly blobs: MemoryBlobAccess;
  readonly actionCache: FakeActionCache;
  /** Stands in for the sandbox runner, innermost in the chain. */
  readonly runner: FakeActionExecutor;
  readonly operations: OperationRegistry;
  /** Starts an Execute call. */
  execute(request: Parameters<typeof ExecuteRequest.fromPartial>[0]): OperationStream;
  /** Starts a WaitExecution call. */
  waitExecution(name: string): OperationStream;
  /** Uploads a runnable action (command, input root, Action) and returns its digest. */
  uploadAction(options?: { salt?: string; doNotCache?: boolean; timeoutSeconds?: number }): Digest;
  close(): Promise<void>;
}

/** Options of {@link startExecutionServer}. */
export interface ExecutionTestServerOptions {
  /** The queue's job slots; 1 by default so tests control the order. */
  readonly jobs?: number;
  readonly operations?: OperationRegistryOptions;
}

/**
 * Serves Execution over Caching(Merging(Queued(TimingsLogging(runner)))),
 * the order the cmd uses, with a 1 h maximum and 15 min default timeout.
 */
export async function startExecutionServer(options: ExecutionTestServerOptions = {}): Promise<ExecutionTestServer> {
  const blobs = new MemoryBlobAccess();
  const actionCache = new FakeActionCache();
  const runner = new FakeActionExecutor();
  const queue = new QueuedActionExecutor(new TimingsLoggingActionExecutor(runner, blobs), { jobs: options.jobs ?? 1 });
  const executor = new CachingActionExecutor(new MergingActionExecutor(queue), actionCache);
  const shutdown = new AbortController();
  const { service, implementation, operations, rawRoutes } = createExecutionService({
    executor,
    blobs,
    instanceNames: new InstanceNames(['', 'main']),
    timeouts: new TimeoutPolicy({ defaultMs: 15 * 60_000, maxMs: 60 * 60_000 }),
    telemetry: createNoopTelemetry(),
    operations: new OperationRegistry(options.operations),
    signal: shutdown.signal,
  });
  const server = new grpc.Server();
  server.addService(service, implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  // As serve does: Execute and WaitExecution go through the raw HTTP/2 fast lane.
  installRawRoutes(server, rawRoutes, { maxMessageBytes: 4 * 1024 * 1024 });
  const client = new ExecutionClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  let actions = 0;
  return {
    client,
    blobs,
    actionCache,
    runner,
    operations,
    execute: (request) => new OperationStream(client.execute(ExecuteRequest.fromPartial(request))),
    waitExecution: (name) => new OperationStream(client.waitExecution({ name })),
    uploadAction: (action = {}) => {
      const input = blobs.add(`input of ${action.salt ?? actions}`);
      const inputRoot = blobs.addMessage(Directory, { files: [{ name: 'in.txt', digest: input, isExecutable: false }] });
      const command = blobs.addMessage(Command, { arguments: ['/bin/true'] });
      return blobs.addMessage(Action, {
        commandDigest: command,
        inputRootDigest: inputRoot,
        doNotCache: action.doNotCache ?? false,
        salt: Buffer.from(action.salt ?? `action ${actions++}`),
        timeout: action.timeoutSeconds === undefined ? undefined : { seconds: action.timeoutSeconds, nanos: 0 },
      });
    },
    close: async () => {
      client.close();
      queue.shutdown();
      shutdown.abort();
      server.forceShutdown();
    },
  };
}

/** The stage in an Operation's ExecuteOperationMetadata. */
export function stageOf(operation: longrunning.Operation): ExecutionStage_Value {
  return ExecuteOperationMetadata.decode(operation.metadata!.value).stage;
}

/** The ExecuteResponse of a done Operation. */
export function responseOf(operation: longrunning.Operation): ExecuteResponse {
  return ExecuteResponse.decode(operation.response!.value);
}

/** One client stream of Operations: what arrived so far, and how it ended. */
export class OperationStream {
  readonly call: grpc.ClientReadableStream<longrunning.Operation>;
  readonly messages: longrunning.Operation[] = [];
  /** Resolves when the call ends: undefined for OK, or the ServiceError. */
  readonly ended: Promise<grpc.ServiceError | undefined>;
  readonly #waiters: { readonly test: () => boolean; readonly resolve: () => void; readonly reject: (err: Error) => void }[] = [];
  #closed = false;

  constructor(call: grpc.ClientReadableStream<longrunning.Operation>) {
    this.call = call;
    let error: grpc.ServiceError | undefined;
    call.on('data', (message: longrunning.Operation) => {
      this.messages.push(message);
      this.#check();
    });
    call.on('error', (err: grpc.ServiceError) => (error = err));
    this.ended = new Promise((resolve) =>
      call.on('close', () => {
        this.#closed = true;
        resolve(error);
        this.#check();
      }),
    );
  }

  /** The stages received so far, in order. */
  get stages(): ExecutionStage_Value[] {
    return this.messages.map(stageOf);
  }

  /** The last message received. */
  get last(): longrunning.Operation | undefined {
    return this.messages.at(-1);
  }

  /** Resolves once a message with `stage` arrived. */
  async reached(stage: ExecutionStage_Value): Promise<void> {
    await this.#until(() => this.stages.includes(stage));
  }

  /** Resolves once at least `count` messages arrived. */
  async received(count: number): Promise<void> {
    await this.#until(() => this.messages.length >= count);
  }

  /** Waits for the end of the call and returns the messages, failing on an error status. */
  async completed(): Promise<longrunning.Operation[]> {
    const error = await this.ended;
    if (error !== undefined) throw error;
    return this.messages;
  }

  #until(test: () => boolean): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiters.push({ test, resolve, reject });
      this.#check();
    });
  }

  /** Settles the waiters whose condition holds; once the call is over, fails the rest. */
  #check(): void {
    for (const waiter of [...this.#waiters]) {
      if (waiter.test()) waiter.resolve();
      else if (this.#closed) waiter.reject(new Error(`the stream ended after stages [${this.stages.join(', ')}] without the awaited one`));
      else continue;
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
    }
  }
}
