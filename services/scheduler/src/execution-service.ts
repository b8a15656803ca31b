import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { BlobAccess } from '@actiond/blobstore';
import type { InstanceNames } from '@actiond/reapi';
import { createExecutionTimings, type ActionExecutor, type ExecuteTask } from '@actiond/execution';
import {
  ExecutionService,
  type DigestFunction_Value,
  type ExecuteRequest,
  type longrunning,
  type RequestMetadata,
  type WaitExecutionRequest,
} from '@actiond/proto';
import { implementService, serverStreaming, serverStreamingRoute, type RawRoute, type ServerStreamingHandler } from '@actiond/rpc';
import { ActiondError, internal, notFound } from '@actiond/status';
import type { Telemetry } from '@actiond/telemetry';
import { errorResponse } from './execute-responses.ts';
import type { ExecutionOperation } from './execution-operation.ts';
import { InputRootChecker } from './input-root-checker.ts';
import { OperationRegistry } from './operation-registry.ts';
import { prepareAction, type PreparedAction } from './prepared-action.ts';
import type { TimeoutPolicy } from './timeout-policy.ts';

/** What {@link createExecutionService} serves from. */
export interface ExecutionServiceOptions {
  /**
   * Runs the actions: the chain the cmd assembles, e.g.
   * `new CachingActionExecutor(new MergingActionExecutor(new QueuedActionExecutor(new TimingsLoggingActionExecutor(runner, blobs), { jobs })), actionCache)`.
   */
  readonly executor: ActionExecutor;
  /** The CAS the actions' blobs are in; its digest function is the only one served. */
  readonly blobs: BlobAccess;
  /** The instance names served; anything else is INVALID_ARGUMENT. */
  readonly instanceNames: InstanceNames;
  /** The server's default and maximum action timeouts. */
  readonly timeouts: TimeoutPolicy;
  /** Where calls are counted and traced. */
  readonly telemetry: Telemetry;
  /** Checks input trees before queueing; by default one over `blobs` with its own directory cache. */
  readonly inputRootChecker?: InputRootChecker;
  /** Keeps operations for WaitExecution; by default one with the default retention. */
  readonly operations?: OperationRegistry;
  /** Aborted when the server shuts down; becomes every ExecuteTask's signal. */
  readonly signal?: AbortSignal;
}

/** The definition and handlers to pass to `server.addService`, and the operations served. */
export interface ExecutionServiceRegistration {
  readonly service: typeof ExecutionService;
  readonly implementation: UntypedServiceImplementation;
  readonly operations: OperationRegistry;
  /**
   * The fast lane: Execute and WaitExecution also served as raw HTTP/2
   * routes with the same handlers, for `installRawRoutes(server, rawRoutes, ...)`
   * once the server is bound. Without it grpc-js serves them through `implementation`.
   */
  readonly rawRoutes: readonly RawRoute[];
}

/**
 * The REAPI Execution service.
 *
 * Execute first checks everything that can fail before an Operation exists
 * (see prepareAction: INVALID_ARGUMENT, or FAILED_PRECONDITION with one
 * MISSING violation per absent blob) and answers those as the RPC's status.
 * Then it creates an operation (`operations/<uuid>`), starts the action on
 * the executor and streams the operation: CACHE_CHECK, then the stages the
 * executor reports (QUEUED, EXECUTING), then COMPLETED with `done` and the
 * ExecuteResponse. Whatever goes wrong while running is in
 * ExecuteResponse.status; the Operation's `error` is never set. A client
 * that disconnects stops the stream, not the action: its result still
 * fills the cache, and WaitExecution can pick the operation up.
 *
 * WaitExecution streams the named operation's current state first, then
 * its changes until done; NOT_FOUND for a name that is unknown or expired
 * (the client then calls Execute again).
 */
export function createExecutionService(options: ExecutionServiceOptions): ExecutionServiceRegistration {
  const { executor, blobs, instanceNames, timeouts, telemetry } = options;
  const inputRootChecker = options.inputRootChecker ?? new InputRootChecker(blobs);
  const operations = options.operations ?? new OperationRegistry();
  const shutdown = options.signal ?? new AbortController().signal;

  const start = (operation: ExecutionOperation, prepared: PreparedAction, request: ExecuteRequest, requestMetadata: RequestMetadata | undefined): void => {
    const task: ExecuteTask = {
      instanceName: prepared.instanceName,
      actionDigest: prepared.actionDigest,
      action: prepared.action,
      command: prepared.command,
      skipCacheLookup: request.skipCacheLookup,
      priority: request.executionPolicy?.priority ?? 0,
      requestMetadata,
      signal: shutdown,
      timeoutMs: prepared.timeoutMs,
      timings: createExecutionTimings(),
      onStage: (stage) => operation.setStage(stage),
    };
    executor.execute(task).then(
      (response) => operation.complete(response),
      // The contract says execute only rejects on a bug; the operation must
      // still finish, or its watchers would wait forever.
      (err: unknown) => operation.complete(errorResponse(internal(`the executor failed: ${ActiondError.from(err).message}`, err))),
    );
  };

  const execute: ServerStreamingHandler<ExecuteRequest, longrunning.Operation> = async function* (request, ctx) {
    const prepared = await prepareAction(request, { blobs, instanceNames, timeouts, inputRootChecker });
    // reapiValue is typed as a plain number but holds the enum value.
    const digestFunction = prepared.digestFunction.reapiValue as DigestFunction_Value;
    const operation = operations.create(prepared.actionDigest, digestFunction);
    // Watch before starting, so no stage reported at once is missed.
    const updates = operation.watch(ctx.signal);
    start(operation, prepared, request, ctx.requestMetadata);
    yield* updates;
  };

  const waitExecution: ServerStreamingHandler<WaitExecutionRequest, longrunning.Operation> = async function* (request, ctx) {
    const operation = operations.get(request.name);
    if (operation === undefined) {
      throw notFound(`operation ${JSON.stringify(request.name.slice(0, 200))} is unknown or has expired; call Execute again`);
    }
    yield* operation.watch(ctx.signal);
  };

  const implementation = implementService(
    ExecutionService,
    { execute: serverStreaming(execute), waitExecution: serverStreaming(waitExecution) },
    telemetry,
  );
  const rawRoutes = [
    serverStreamingRoute(ExecutionService.execute, execute, telemetry),
    serverStreamingRoute(ExecutionService.waitExecution, waitExecution, telemetry),
  ];
  return { service: ExecutionService, implementation, operations, rawRoutes };
}
