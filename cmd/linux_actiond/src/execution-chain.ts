import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import type { DiskBlobAccess, MemoryLogBlobStore } from '@actiond/blobstore';
import type { ActionCache } from '@actiond/action-cache';
import type { ExecutionOffer } from '@actiond/capabilities';
import type { InstanceNames, TreeWalker } from '@actiond/reapi';
import type { FlagValues } from '@actiond/cli';
import {
  BackgroundRemovalCgroupManager,
  DirectoryRuntimeProvider,
  ForkServerSandboxHelperLauncher,
  LinuxSandboxRunner,
  PooledCgroupManager,
  RuntimeImageMount,
  SandboxActionExecutor,
  hostArchitecture,
  openCgroupManager,
  sandboxHelperPath,
  serverCgroupParent,
  type CgroupManager,
  type RuntimeProvider,
} from '@actiond/sandbox-runner';
import {
  CachingActionExecutor,
  EXECUTION_PRIORITY_RANGE,
  InputRootChecker,
  MergingActionExecutor,
  QueuedActionExecutor,
  TimeoutPolicy,
  TimingsLoggingActionExecutor,
  WriteBehindActionCache,
  createExecutionService,
} from '@actiond/scheduler';
import type { Telemetry } from '@actiond/telemetry';
import type { executionFlags } from './execution-flags.ts';

/** Action cgroups kept ready at most (counting those in use, which are reused): one per concurrent action, but a large --jobs need not hold that many idle cgroups in the kernel. */
const MAX_CGROUP_SPARES = 8;

/** What the execution half of `serve` shares with the cache half. */
export interface ExecutionDependencies {
  readonly root: string;
  readonly blobs: DiskBlobAccess;
  /** Where the timings log of every response goes: memory, read back through the CAS services. */
  readonly serverLogs: MemoryLogBlobStore;
  readonly actionCache: ActionCache;
  readonly walker: TreeWalker;
  readonly instanceNames: InstanceNames;
  readonly telemetry: Telemetry;
  /** From the standalone binary's assets, else undefined (the checkout's build outputs). */
  readonly sandboxHelper: string | undefined;
  readonly defaultRuntimeImage: string | undefined;
  readonly log: (line: string) => void;
}

/** The Execution service, ready to register, and how to stop what it started. */
export interface Execution {
  readonly registration: ReturnType<typeof createExecutionService>;
  readonly offer: ExecutionOffer;
  /** The runtime names actions can ask for with `libc`. */
  readonly runtimeNames: readonly string[];
  /**
   * The executor's action cache: results are written after the Execute was
   * answered, and served from memory until then. The ActionCache service
   * must read through it too, or a GetActionResult sent right after an
   * Execute would miss a result the executor already returned.
   */
  readonly actionCache: ActionCache;
  /** Fails queued actions, stops the running ones and the sandbox launcher, then unmounts the runtime image. Call after the gRPC server stopped. */
  close(): Promise<void>;
}

/**
 * Assembles execution: the runtimes (mounted once), the sandbox executor and
 * the scheduler's wrappers around it, outermost first: action-cache lookup,
 * merging of identical in-flight actions, the --jobs queue, the timings log.
 * Rejects with a one-line reason when execution cannot work here (not root,
 * a bad runtime image or default runtime).
 */
export async function startExecution(
  flags: FlagValues<typeof executionFlags>,
  deps: ExecutionDependencies,
): Promise<Execution> {
  if (process.getuid?.() !== 0) {
    throw new Error('execution needs root (namespaces, mounts, cgroups); run as root, or pass --no-execution to serve the cache only');
  }
  if (flags.maxActionTimeout < flags.defaultActionTimeout) {
    throw new Error('--max-action-timeout is shorter than --default-action-timeout');
  }
  const runtimes = await openRuntimes(flags, deps);
  let cgroups: CgroupManager | undefined;
  let launcher: ForkServerSandboxHelperLauncher | undefined;
  try {
    if (flags.defaultRuntime !== undefined && runtimes.provider.resolve(flags.defaultRuntime) === undefined) {
      throw new Error(`--default-runtime=${flags.defaultRuntime}: no such runtime; available: ${listNames(runtimes.provider)}`);
    }
    const logBackgroundError = (error: unknown): void => deps.log(`linux-actiond: ${error instanceof Error ? error.message : String(error)}`);
    // The root's own parent cgroup: at startup the executor kills whatever it finds there,
    // which must never be the running actions of another server on this host. An
    // action's cgroups are made before it arrives and, once checked empty,
    // reused by the next action with the same limits; those that cannot be
    // reused are removed after it was answered (bench/RESULTS.md).
    cgroups = new PooledCgroupManager(
      new BackgroundRemovalCgroupManager(await openCgroupManager({ parent: serverCgroupParent(deps.root) }), {
        onBackgroundError: logBackgroundError,
      }),
      { spares: Math.min(flags.jobs, MAX_CGROUP_SPARES), onBackgroundError: logBackgroundError },
    );
    const helperPath = sandboxHelperPath({ path: deps.sandboxHelper });
    // One long-lived `actiond-sandbox --launcher` starts every run, so the
    // server never forks itself per action (milliseconds each: bench/RESULTS.md).
    launcher = new ForkServerSandboxHelperLauncher(helperPath);
    const sandbox = new SandboxActionExecutor({
      blobs: deps.blobs,
      directories: deps.walker,
      execDirectory: join(deps.root, 'exec'),
      runner: new LinuxSandboxRunner({ helperPath, uid: flags.sandboxUid, gid: flags.sandboxGid, launcher }),
      cgroups,
      platform: {
        architecture: hostArchitecture(),
        runtimes: runtimes.provider,
        defaultRuntime: flags.defaultRuntime,
        allowNetwork: flags.allowNetwork,
        memory: { default: flags.defaultMemory, max: flags.maxMemory },
        cpus: { default: flags.defaultCpus, max: flags.maxCpus },
        pids: { default: flags.defaultPids, max: flags.maxPids },
      },
      actionUid: flags.sandboxUid,
      actionGid: flags.sandboxGid,
      keepFailedActionDirectories: flags.keepFailedActions,
      onBackgroundError: logBackgroundError,
    });
    await sandbox.prepare();

    const queue = new QueuedActionExecutor(new TimingsLoggingActionExecutor(sandbox, deps.serverLogs), { jobs: flags.jobs });
    // Results are stored after the Execute was answered, not before it (bench/RESULTS.md).
    const actionCache = new WriteBehindActionCache(deps.actionCache, {
      onBackgroundError: (error, actionDigest) =>
        deps.log(`linux-actiond: the result of action ${actionDigest.hash}/${actionDigest.sizeBytes} was not stored in the action cache: ${error instanceof Error ? error.message : String(error)}`),
    });
    const executor = new CachingActionExecutor(new MergingActionExecutor(queue), actionCache, {
      metrics: deps.telemetry.metrics,
    });
    const shutdown = new AbortController();
    // Every queued task listens on this one signal.
    setMaxListeners(0, shutdown.signal);
    const registration = createExecutionService({
      executor,
      blobs: deps.blobs,
      instanceNames: deps.instanceNames,
      timeouts: new TimeoutPolicy({ defaultMs: flags.defaultActionTimeout, maxMs: flags.maxActionTimeout }),
      telemetry: deps.telemetry,
      inputRootChecker: new InputRootChecker(deps.blobs, { walker: deps.walker }),
      signal: shutdown.signal,
    });
    return {
      registration,
      offer: { priority: EXECUTION_PRIORITY_RANGE, supportedNodeProperties: [] },
      runtimeNames: runtimes.provider.names(),
      actionCache,
      close: async () => {
        shutdown.abort();
        queue.shutdown();
        // The abort told the running sandboxes to stop; this waits until they have.
        await launcher?.close();
        await actionCache.drain();
        await cgroups?.close();
        await runtimes.close();
      },
    };
  } catch (error) {
    await launcher?.close();
    await cgroups?.close().catch(() => {});
    await runtimes.close();
    throw error;
  }
}

interface OpenRuntimes {
  readonly provider: RuntimeProvider;
  close(): Promise<void>;
}

/** --runtime-root as is; else --runtime-image or the default image, mounted under <root>/runtimes. */
async function openRuntimes(flags: FlagValues<typeof executionFlags>, deps: ExecutionDependencies): Promise<OpenRuntimes> {
  if (flags.runtimeRoot !== undefined && flags.runtimeImage !== undefined) {
    throw new Error('--runtime-root and --runtime-image exclude each other');
  }
  if (flags.runtimeRoot !== undefined) {
    return { provider: await DirectoryRuntimeProvider.open(flags.runtimeRoot), close: async () => {} };
  }
  const image = flags.runtimeImage ?? deps.defaultRuntimeImage;
  if (image === undefined) {
    deps.log('linux-actiond: no runtime image (build one with `pnpm runtimes:build`): only libc=none actions (static binaries) can run');
    return { provider: EMPTY_RUNTIMES, close: async () => {} };
  }
  const mount = await RuntimeImageMount.mount(image, join(deps.root, 'runtimes'));
  try {
    return { provider: await DirectoryRuntimeProvider.open(mount.directory), close: () => mount.unmount() };
  } catch (error) {
    await mount.unmount();
    throw error;
  }
}

const EMPTY_RUNTIMES: RuntimeProvider = { resolve: () => undefined, names: () => [] };

function listNames(provider: RuntimeProvider): string {
  const names = provider.names();
  return names.length === 0 ? '(none)' : names.join(', ');
}
