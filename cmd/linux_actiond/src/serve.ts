import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FlagValues } from '@actiond/cli';
import {
  CompletenessCheckingActionCache,
  DiskActionCache,
  UnchangedResultKeepingActionCache,
  createActionCacheService,
  type ActionCache,
} from '@actiond/action-cache';
import { DiskBlobAccess, DiskKeyValueStore, LogFallbackBlobAccess, MemoryLogBlobStore } from '@actiond/blobstore';
import { createCapabilitiesService } from '@actiond/capabilities';
import { RECOMMENDED_MAX_MESSAGE_BYTES, createCasServices } from '@actiond/cas-service';
import { DirectoryCache, InstanceNames, TreeWalker } from '@actiond/reapi';
import { createTelemetry, type Environment, type Telemetry } from '@actiond/telemetry';
import type { serveFlags } from './command-line.ts';
import { startExecution, type Execution } from './execution-chain.ts';
import { startGrpcServer } from './grpc-server.ts';
import { grpcAddress } from './listen-address.ts';
import { locateServeAssets } from './serve-assets.ts';
import { waitForStopSignal } from './stop-signal.ts';
import { ACTIOND_VERSION } from './version.ts';

/** What `serve` takes from the process besides its flags. */
export interface ServeEnvironment {
  readonly env: Environment;
  /** Writes one line for the operator (stderr in the binary). */
  readonly log: (line: string) => void;
  /** Resolves when the server should stop; SIGINT/SIGTERM unless a test passes its own. */
  readonly stopRequested?: Promise<string>;
  /** Called once the server listens, with the bound port (tests use port 0). */
  readonly onListening?: (port: number) => void;
}

/** How long running calls may finish after a stop signal before they are cut. */
const SHUTDOWN_GRACE_MS = 5_000;

/**
 * `linux-actiond serve`: opens the stores under --root, assembles the cache
 * services and (unless --no-execution) the Execution service with its sandbox
 * on one gRPC port, and runs until SIGINT/SIGTERM. This function is the one
 * place that chooses implementations and wraps them; the services never read
 * flags. Returns the exit status; a reason it cannot start is one log line.
 */
export async function serve(flags: FlagValues<typeof serveFlags>, environment: ServeEnvironment): Promise<number> {
  const { log } = environment;
  const root = resolve(flags.root);
  await mkdir(root, { recursive: true });
  // The sandbox helper and the default runtime image: the checkout's build
  // outputs, or in the standalone binary its embedded copies, extracted under root.
  const assets = await locateServeAssets(root);
  const instanceNames = new InstanceNames(flags.instanceName.length > 0 ? flags.instanceName : ['']);

  const telemetry = await createTelemetry({
    serviceName: 'actiond',
    version: ACTIOND_VERSION,
    metricsListen: flags.metricsListen,
    otlpEndpoint: flags.otlpEndpoint,
    env: environment.env,
  });
  const blobs = await DiskBlobAccess.open({ directory: join(root, 'cas') });
  // The server's own logs (every Execute's `timings` log) are kept in memory,
  // not created as a file each; the CAS services read them after the disk, and
  // FindMissingBlobs never reports them present (memory-log-blob-store.ts).
  const serverLogs = new MemoryLogBlobStore(blobs);
  // One directory cache for GetTree, the action-cache check, the input check and the executor.
  const directoryCache = new DirectoryCache();
  const walker = new TreeWalker(blobs, directoryCache);
  // Re-executions with an unchanged outcome keep the stored entry: a rewrite costs a file (see the class).
  const actionCache = new CompletenessCheckingActionCache(
    new UnchangedResultKeepingActionCache(new DiskActionCache(await DiskKeyValueStore.open({ directory: join(root, 'ac') }))),
    { blobs, walker },
  );
  const cas = createCasServices({ blobs: new LogFallbackBlobAccess(blobs, serverLogs), instanceNames, telemetry, directoryCache });

  let execution: Execution | undefined;
  if (flags.execution) {
    try {
      execution = await startExecution(flags, {
        root,
        blobs,
        serverLogs,
        actionCache,
        walker,
        instanceNames,
        telemetry,
        sandboxHelper: assets.sandboxHelper,
        defaultRuntimeImage: assets.defaultRuntimeImage,
        log,
      });
    } catch (error) {
      await closeAll(cas, undefined, telemetry);
      log(`linux-actiond: cannot start execution: ${error instanceof Error ? error.message : String(error)}`);
      return 1;
    }
  }

  const services = [
    ...cas,
    createActionCacheService({ actionCache: execution ? readingThrough(execution.actionCache, actionCache) : actionCache, blobs, instanceNames, telemetry, walker }),
    createCapabilitiesService({ instanceNames, telemetry, execution: execution?.offer }),
    ...(execution ? [execution.registration] : []),
  ];

  let server;
  try {
    server = await startGrpcServer({
      address: grpcAddress(flags.listen),
      maxMessageBytes: RECOMMENDED_MAX_MESSAGE_BYTES,
      register: (s) => services.forEach(({ service, implementation }) => s.addService(service, implementation)),
      rawRoutes: [...cas.rawRoutes, ...(execution?.registration.rawRoutes ?? [])],
    });
  } catch (error) {
    await closeAll(cas, execution, telemetry);
    log(`linux-actiond: cannot listen on ${grpcAddress(flags.listen)}: ${bindFailureReason(error)}`);
    return 1;
  }

  const address = grpcAddress({ host: flags.listen.host, port: server.port });
  const metrics = telemetry.metricsAddress ? `, metrics on http://${grpcAddress(telemetry.metricsAddress)}/metrics` : '';
  const runtimes = execution ? `, execution with runtimes: ${execution.runtimeNames.join(', ') || 'none'}` : ', cache only';
  // The handler goes in before the address is announced: whoever reads that
  // line may send SIGTERM at once, and a server preempted between the line
  // and the handler would die of the signal's default action instead of stopping.
  const stopRequested = environment.stopRequested ?? waitForStopSignal();
  log(`linux-actiond ${ACTIOND_VERSION}: serving REAPI on ${address} (root ${root}${runtimes}${metrics})`);
  environment.onListening?.(server.port);

  const signal = await stopRequested;
  log(`linux-actiond: ${signal} received, stopping`);
  await server.stop(SHUTDOWN_GRACE_MS);
  await closeAll(cas, execution, telemetry);
  log('linux-actiond: stopped');
  return 0;
}

/** Releases what serve opened, after the gRPC server stopped (or never started). */
async function closeAll(cas: { close(): Promise<void> }, execution: Execution | undefined, telemetry: Telemetry): Promise<void> {
  await execution?.close();
  await cas.close();
  await telemetry.shutdown();
}

/** grpc-js wraps the socket error in a long sentence; keep the part an operator acts on. */
function bindFailureReason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (text.includes('EADDRINUSE')) return 'the address is already in use';
  if (text.includes('EADDRNOTAVAIL')) return 'no such local address';
  if (text.includes('EACCES')) return 'permission denied';
  return text;
}

/**
 * The ActionCache service's view when execution runs: GetActionResult reads
 * through the executor's write-behind cache (results it answered but has not
 * written yet), while UpdateActionResult writes straight to the store, so a
 * client learns of a write that failed.
 */
function readingThrough(executorCache: ActionCache, store: ActionCache): ActionCache {
  return {
    get: (actionDigest) => executorCache.get(actionDigest),
    put: (actionDigest, result) => store.put(actionDigest, result),
  };
}
