// Test support for the executor's integration tests: a real
// SandboxActionExecutor (on-disk CAS, host-made runtime, the host's cgroups
// under a throw-away parent, actiond-sandbox) and helpers to build and run
// actions. Not exported from index.ts.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Digest, SHA256 } from '@actiond/digest';
import { createExecutionTimings } from '@actiond/execution';
import type { ExecuteTask, ExecutionTimings } from '@actiond/execution';
import { Action, Command } from '@actiond/proto';
import type { ExecuteResponse } from '@actiond/proto';
import type { CgroupManager } from './cgroup-manager.ts';
import { CgroupV1Manager } from './cgroup-v1.ts';
import { PooledCgroupManager } from './pooled-cgroup-manager.ts';
import { makeHostRuntime, needsSandbox, SANDBOX_GID, SANDBOX_UID } from './host-runtime-fixture.ts';
import type { HostRuntime } from './host-runtime-fixture.ts';
import { TreeWalker } from '@actiond/reapi';
import { digestOf, openTestStore, storeTree } from './input-fixture.ts';
import type { TestStore, TreeSpec } from './input-fixture.ts';
import { ForkServerSandboxHelperLauncher } from './fork-server-sandbox-helper-launcher.ts';
import { LinuxSandboxRunner } from './linux-sandbox-runner.ts';
import type { PlatformPolicy } from './platform-properties.ts';
import { SandboxActionExecutor } from './sandbox-action-executor.ts';
import type { SandboxActionExecutorOptions } from './sandbox-action-executor.ts';
import { sandboxHelperPath } from './sandbox-helper-path.ts';

const CGROUP_ROOT = '/sys/fs/cgroup';
const V1_HIERARCHIES = ['memory', 'pids', 'cpu', 'freezer', 'unified'];

/** Why the executor's integration tests cannot run here; false when they can. */
export const needsExecutor: string | false =
  needsSandbox !== false
    ? needsSandbox
    : !existsSync(join(CGROUP_ROOT, 'memory/cgroup.procs')) || !existsSync(join(CGROUP_ROOT, 'pids/cgroup.procs'))
      ? 'the executor tests need cgroup v1 memory and pids hierarchies'
      : false;

/** One test's executor and everything it stands on; `dispose` removes it all. */
/** What the exec directory holds for every action: the sandbox root, the log files, the spare output parents. */
const SHARED_ENTRIES = new Set(['.sandbox-root', '.logs', '.spare-directories']);

export interface ExecutorHarness {
  readonly store: TestStore;
  readonly executor: SandboxActionExecutor;
  readonly execDirectory: string;
  readonly host: HostRuntime;
  readonly cgroups: CgroupManager;
  /** The pool over the host's cgroups, when the harness was made with `pooledCgroups` (as the server runs). */
  readonly pool: PooledCgroupManager | undefined;
  /** Runs a command over an input tree; `timeoutMs` 30 s unless given. */
  run(spec: ActionSpec): Promise<ExecutedAction>;
  /**
   * What is left in the exec directory once the background removals are
   * done, besides what every action shares (the sandbox root, the log
   * files, the spare output parents): the directories of actions that were
   * not cleaned up.
   */
  leftovers(): Promise<string[]>;
  /** The bytes of a blob the response names. */
  blob(digest: { hash: string; sizeBytes: number } | undefined): Promise<Buffer>;
  dispose(): Promise<void>;
}

/** An action to run: its command fields, its inputs, and its platform properties. */
export interface ActionSpec {
  readonly command: Partial<Command>;
  readonly inputs?: TreeSpec;
  /** An input root already stored (a malformed or incomplete one), instead of `inputs`. */
  readonly inputRoot?: Digest;
  /** On Action.platform (or Command.platform with `onCommand`). */
  readonly platform?: Record<string, string>;
  readonly platformOnCommand?: boolean;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface ExecutedAction {
  readonly response: ExecuteResponse;
  readonly timings: ExecutionTimings;
  readonly inputRoot: Digest;
  /** Wall time of `execute` alone (not storing the test's inputs). */
  readonly elapsedMs: number;
}

/** `bash -c script` with PATH set, the usual test command. */
export function bash(script: string, extra: Partial<Command> = {}): Partial<Command> {
  return {
    arguments: ['bash', '-c', script],
    environmentVariables: [{ name: 'PATH', value: '/usr/bin:/bin' }],
    ...extra,
  };
}

/** How the harness is put together, beyond the executor's own options. */
export interface HarnessOptions {
  /** Action cgroups through a PooledCgroupManager with one spare, so an action after another gets the cgroup it used (same limits). */
  readonly pooledCgroups?: boolean;
}

export async function makeExecutor(
  policy: Partial<PlatformPolicy> = {},
  options: Partial<SandboxActionExecutorOptions> = {},
  harness: HarnessOptions = {},
): Promise<ExecutorHarness> {
  const store = await openTestStore();
  const host = await makeHostRuntime();
  const parent = `actiond-test-${process.pid}-${randomBytes(4).toString('hex')}`;
  const v1 = await CgroupV1Manager.open({ parent });
  const pool = harness.pooledCgroups === true ? new PooledCgroupManager(v1, { spares: 1 }) : undefined;
  const cgroups: CgroupManager = pool ?? v1;
  const execDirectory = join(store.root, 'exec');
  const launcher = new ForkServerSandboxHelperLauncher(sandboxHelperPath());
  const executor = new SandboxActionExecutor({
    blobs: store.blobs,
    // What cmd/* passes: the CAS service's walker, whose cache keeps parsed Directory messages.
    directories: new TreeWalker(store.blobs),
    execDirectory,
    // Runs start as the server starts them: through one `actiond-sandbox --launcher`.
    runner: new LinuxSandboxRunner({ helperPath: sandboxHelperPath(), uid: SANDBOX_UID, gid: SANDBOX_GID, launcher }),
    cgroups,
    platform: {
      architecture: 'x86_64',
      runtimes: host.provider,
      defaultRuntime: host.runtime.name,
      allowNetwork: false,
      memory: {},
      cpus: {},
      pids: {},
      ...policy,
    },
    actionUid: SANDBOX_UID,
    actionGid: SANDBOX_GID,
    ...options,
  });
  await executor.prepare();
  return {
    store,
    executor,
    execDirectory,
    host,
    cgroups,
    pool,
    async run(spec) {
      const inputRoot = spec.inputRoot ?? (await storeTree(store.blobs, spec.inputs ?? {}));
      const platform = spec.platform === undefined ? undefined : {
        properties: Object.entries(spec.platform).sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, value]) => ({ name, value })),
      };
      const command = Command.fromPartial({ ...spec.command, platform: spec.platformOnCommand ? platform : undefined });
      const commandBytes = Buffer.from(Command.encode(command).finish());
      const commandDigest = SHA256.compute(commandBytes);
      await store.blobs.put(commandDigest, commandBytes);
      const action = Action.fromPartial({ commandDigest, inputRootDigest: inputRoot, platform: spec.platformOnCommand ? undefined : platform });
      const timings = createExecutionTimings();
      const task: ExecuteTask = {
        instanceName: '',
        actionDigest: SHA256.compute(Action.encode(action).finish()),
        action,
        command,
        skipCacheLookup: false,
        priority: 0,
        timeoutMs: spec.timeoutMs ?? 30_000,
        timings,
        requestMetadata: undefined,
        signal: spec.signal ?? new AbortController().signal,
        onStage: () => {},
      };
      const started = performance.now();
      const response = await executor.execute(task);
      return { response, timings, inputRoot, elapsedMs: performance.now() - started };
    },
    async leftovers() {
      await executor.drain();
      return (await readdir(execDirectory)).filter((entry) => !SHARED_ENTRIES.has(entry));
    },
    blob: (digest) => store.blobs.get(digestOf(digest)),
    async dispose() {
      // The background removal of the last action directories must not race the store's removal.
      await executor.drain();
      await launcher.close();
      await pool?.close();
      await host.dispose();
      await store.dispose();
      for (const name of V1_HIERARCHIES) {
        const dir = join(CGROUP_ROOT, name, parent);
        if (!existsSync(dir)) continue;
        for (const child of await readdir(dir, { withFileTypes: true })) {
          if (child.isDirectory()) await rmdir(join(dir, child.name)).catch(() => {});
        }
        await rmdir(dir).catch(() => {});
      }
    },
  };
}

/** Runs `fn` with a fresh harness and always disposes of it. */
export async function withExecutor(
  fn: (harness: ExecutorHarness) => Promise<void>,
  policy: Partial<PlatformPolicy> = {},
  options: Partial<SandboxActionExecutorOptions> = {},
  harnessOptions: HarnessOptions = {},
): Promise<void> {
  const harness = await makeExecutor(policy, options, harnessOptions);
  try {
    await fn(harness);
  } finally {
    await harness.dispose();
  }
}
