import { execFile } from 'node:child_process';
import { lstatSync, mkdirSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BlobAccess, BlobFiles } from '@actiond/blobstore';
import { Digest } from '@actiond/digest';
import type { ActionExecutor, ExecuteTask } from '@actiond/execution';
import type { ActionResult, ExecuteResponse, Timestamp } from '@actiond/proto';
import { ActiondError, deadlineExceeded, failedPrecondition, internal, invalidArgument, okStatus, unavailable } from '@actiond/status';
import { BackgroundDirectoryRemover } from './background-directory-remover.ts';
import { LogFilePool, type LogFiles } from './log-file-pool.ts';
import type { ActionCgroup, CgroupManager, CgroupUsage } from './cgroup-manager.ts';
import { checkCommand } from './command-checks.ts';
import { createOutputParents, parseDeclaredOutputs } from './declared-outputs.ts';
import type { DirectorySource } from './directory-source.ts';
import { ExecrootMaterializer, INPUT_DIRECTORY_MODE } from './execroot-materializer.ts';
import { InputTreeLoader } from './input-tree-loader.ts';
import { mountInputOverlay } from './input-overlay.ts';
import type { InputOverlay, InputOverlayOptions } from './input-overlay.ts';
import { OutputCollector } from './output-collector.ts';
import { digestProto } from './output-tree-builder.ts';
import { parsePlatformProperties } from './platform-properties.ts';
import type { ActionPlatform, PlatformPolicy } from './platform-properties.ts';
import type { RunOutcome, Runner } from './runner.ts';
import { UMOUNT_PROGRAM } from './mount-programs.ts';
import { SpareDirectoryPool } from './spare-directory-pool.ts';

/** What {@link SandboxActionExecutor} is made of; `cmd/*` assembles it. */
export interface SandboxActionExecutorOptions {
  /** The CAS, as blobs and as files (hard links in, adoption out). */
  readonly blobs: BlobAccess & BlobFiles;
  /** Parsed Directory messages (the CAS service's TreeWalker, sharing its cache). */
  readonly directories: DirectorySource;
  /**
   * Where per-action directories go, conventionally `<root>/exec`: on the
   * same filesystem as the CAS, or every input is a counted copy.
   */
  readonly execDirectory: string;
  readonly runner: Runner;
  readonly cgroups: CgroupManager;
  readonly platform: PlatformPolicy;
  /** The ids the runner runs actions as; `mutates_inputs` actions own their input view as them. */
  readonly actionUid: number;
  readonly actionGid: number;
  /** `ExecutedActionMetadata.worker`; the host name by default. */
  readonly workerName?: string;
  /** For debugging: keep the directory of an action that failed (non-OK status or non-zero exit). */
  readonly keepFailedActionDirectories?: boolean;
  readonly overlay?: InputOverlayOptions;
  /**
   * Told about failures that happen after an action was answered: removing
   * its directory, which runs in the background. Ignored by default; the
   * directory is then removed by the next `prepare()`.
   */
  readonly onBackgroundError?: (error: unknown) => void;
}

const run = promisify(execFile);

/**
 * Per action, in the exec directory: `<id>` is the execroot itself (made by
 * the materializer: one directory, not an action directory around it), and
 * only with `mutates_inputs=1` also `<id>.overlay/` holding the overlay's
 * upper, work and merged directories.
 */
const OVERLAY_SUFFIX = '.overlay';
/**
 * In the exec directory, shared by every action: the sandbox helper's
 * --root (an empty mount point for the tmpfs it makes `/` of, inside the
 * sandbox's own mount namespace, so concurrent sandboxes can share it),
 * the pool of stdout/stderr files, and the spare output parents
 * ({@link SpareDirectoryPool}). None is made per action: an inode costs
 * 0.2-1.5 ms to create here (bench/RESULTS.md).
 */
const SANDBOX_ROOT = '.sandbox-root';
const LOGS = '.logs';
const SPARE_DIRECTORIES = '.spare-directories';

/** Runs started by this process: the running part of each run's name. */
let actionRuns = 0;
const OVERLAY = { upper: 'upper', work: 'overlay-work', merged: 'merged' } as const;

/**
 * Runs one action hermetically on this host: the ActionExecutor at the end
 * of the scheduler's chain.
 *
 * For each action, in a fresh `<execDirectory>/<id>/`:
 * 1. reads the platform properties and checks the command and its declared
 *    outputs (INVALID_ARGUMENT on any problem, before anything is made);
 * 2. materializes the input root as hard links to CAS blobs
 *    ({@link ExecrootMaterializer}), root-owned and read-only to the action,
 *    and creates the output parents; with `mutates_inputs=1`, mounts a
 *    private copy-on-write overlay over it ({@link mountInputOverlay});
 * 3. creates the action's cgroups with its limits and runs it through the
 *    {@link Runner} with the task's timeout;
 * 4. kills whatever is left in the cgroups, moves stdout, stderr and the
 *    outputs into the CAS ({@link OutputCollector});
 * 5. always removes the cgroups and the overlay, and queues the directory
 *    for removal in the background ({@link BackgroundDirectoryRemover}), so
 *    the response does not wait for it; `drain()` waits.
 *
 * Failures go in `ExecuteResponse.status`, the first one kept:
 * INVALID_ARGUMENT for bad properties, paths or Directory messages;
 * FAILED_PRECONDITION for missing inputs (with MISSING violations), for a
 * program that cannot be started, and for outputs of the wrong type;
 * DEADLINE_EXCEEDED on timeout (stdout and stderr still returned);
 * UNAVAILABLE when the server shut down during the run; INTERNAL for the
 * server's own failures. The promise never rejects. `task.timings` gets the
 * phases and link counts; storing them as a server log is the scheduler's.
 */
export class SandboxActionExecutor implements ActionExecutor {
  readonly #options: SandboxActionExecutorOptions;
  readonly #materializer: ExecrootMaterializer;
  readonly #collector: OutputCollector;
  readonly #worker: string;
  readonly #remover: BackgroundDirectoryRemover;
  readonly #logs: LogFilePool;
  readonly #spareDirectories: SpareDirectoryPool;

  constructor(options: SandboxActionExecutorOptions) {
    this.#options = options;
    this.#logs = new LogFilePool(join(options.execDirectory, LOGS));
    this.#spareDirectories = new SpareDirectoryPool(join(options.execDirectory, SPARE_DIRECTORIES), INPUT_DIRECTORY_MODE);
    this.#remover = new BackgroundDirectoryRemover((error, path) =>
      options.onBackgroundError?.(new Error(`cannot remove the action directory ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error })),
    );
    const loader = new InputTreeLoader(options.directories, options.blobs.digestFunction);
    this.#materializer = new ExecrootMaterializer(loader, options.blobs, options.blobs.digestFunction.emptyDigest);
    this.#collector = new OutputCollector(options.blobs);
    this.#worker = options.workerName ?? hostname();
  }

  /**
   * Creates the exec directory (0700: action directories hold writable
   * input trees no other host user should reach) and removes what a
   * previous server process left in it: overlay mounts, action directories
   * and cgroups. Call once at startup, before the first `execute`.
   */
  async prepare(): Promise<void> {
    const dir = this.#options.execDirectory;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    for (const mountPoint of await mountPointsUnder(dir)) {
      await run(this.#options.overlay?.umountProgram ?? UMOUNT_PROGRAM, ['-l', mountPoint]);
    }
    for (const entry of await readdir(dir)) await rm(join(dir, entry), { recursive: true, force: true });
    await mkdir(join(dir, SANDBOX_ROOT), { mode: 0o700 });
    this.#logs.prepare();
    this.#spareDirectories.prepare();
    await this.#options.cgroups.removeStale();
  }

  /** Resolves once the directories of every action answered so far are removed. */
  drain(): Promise<void> {
    return this.#remover.drain();
  }

  async execute(task: ExecuteTask): Promise<ExecuteResponse> {
    const run = new ActionRun(task, this.#options, this.#worker, this.#remover, this.#logs, this.#spareDirectories);
    try {
      return await run.execute(this.#materializer, this.#collector);
    } catch (err) {
      // ActionRun keeps every failure in the response; this is a last resort.
      return { result: undefined, cachedResult: false, status: ActiondError.from(err).toStatusProto(), serverLogs: {}, message: '' };
    }
  }
}

/** The state of one execution, so that cleanup sees what was set up. */
class ActionRun {
  readonly #task: ExecuteTask;
  readonly #options: SandboxActionExecutorOptions;
  readonly #worker: string;
  readonly #remover: BackgroundDirectoryRemover;
  readonly #logPool: LogFilePool;
  #logs: LogFiles | undefined;
  readonly #spareDirectories: SpareDirectoryPool;
  /** The output parents made for the action, parents first; moved back to the pool after it. */
  readonly #outputParents: string[] = [];
  readonly #dir: string;
  readonly #id: string;
  #failure: ActiondError | undefined;
  #cgroup: ActionCgroup | undefined;
  /** Set once the cgroups were emptied after the run: nothing can enter an empty cgroup again, so cleanup need not kill twice. */
  #cgroupEmptied = false;
  /**
   * Set once the run ended on its own (an exit or a signal, not a timeout,
   * a cancellation or a failed setup): only then did the helper not write
   * the cgroups' cgroup.kill, and only then may they be reused.
   */
  #cgroupReusable = false;
  #overlay: InputOverlay | undefined;
  #dirCreated = false;
  #overlayDirCreated = false;

  constructor(
    task: ExecuteTask,
    options: SandboxActionExecutorOptions,
    worker: string,
    remover: BackgroundDirectoryRemover,
    logs: LogFilePool,
    spareDirectories: SpareDirectoryPool,
  ) {
    this.#task = task;
    this.#spareDirectories = spareDirectories;
    this.#options = options;
    this.#worker = worker;
    this.#remover = remover;
    this.#logPool = logs;
    // Unique without random bytes (0.15 ms per call under load): the pid tells servers on one root apart, the counter runs.
    this.#id = `${Date.now().toString(36)}-${process.pid.toString(36)}-${++actionRuns}`;
    this.#dir = join(options.execDirectory, this.#id);
  }

  /** Keeps the first failure. */
  #fail(err: unknown): void {
    this.#failure ??= ActiondError.from(err);
  }

  async execute(materializer: ExecrootMaterializer, collector: OutputCollector): Promise<ExecuteResponse> {
    const task = this.#task;
    const timings = task.timings;
    const metadata: Record<string, Timestamp | undefined> = { workerStartTimestamp: now() };
    let result: ActionResult | undefined;
    let message = '';
    try {
      const { action, command } = task;
      const platform = parsePlatformProperties(action, command, this.#options.platform);
      checkCommand(command);
      const declared = parseDeclaredOutputs(command);
      if (action.inputRootDigest === undefined) throw invalidArgument('the action has no input_root_digest');
      const inputRoot = parseDigest(action.inputRootDigest, this.#options.blobs.digestFunction, 'input_root_digest');

      // The materializer makes it; from here on cleanup removes whatever it made.
      this.#dirCreated = true;
      const execroot = this.#dir;
      metadata.inputFetchStartTimestamp = now();
      let started = performance.now();
      const stats = await materializer.materialize(inputRoot, execroot);
      createOutputParents(execroot, declared, (path) => {
        this.#spareDirectories.make(path);
        this.#outputParents.push(path);
      });
      timings.inputMaterializationMs += performance.now() - started;
      timings.filesLinked += stats.filesLinked;
      timings.bytesLinked += stats.bytesLinked;
      timings.filesCopied += stats.filesCopied;
      timings.bytesCopied += stats.bytesCopied;
      metadata.inputFetchCompletedTimestamp = now();

      started = performance.now();
      const inputView = platform.mutatesInputs ? await this.#mountOverlay(execroot) : execroot;
      this.#cgroup = await this.#options.cgroups.create(this.#id, platform.limits);
      timings.sandboxSetupMs += performance.now() - started;

      const logs = this.#logPool.acquire();
      this.#logs = logs;
      metadata.executionStartTimestamp = now();
      started = performance.now();
      const outcome = await this.#options.runner.run({
        inputRoot: inputView,
        workingDirectory: declared.workingDirectory.join('/'),
        arguments: command.arguments,
        environment: command.environmentVariables,
        runtime: platform.runtime,
        network: platform.network,
        cgroupProcs: this.#cgroup.procsPaths,
        timeoutMs: task.timeoutMs,
        stdoutPath: logs.stdout,
        stderrPath: logs.stderr,
        scratchDirectory: join(this.#options.execDirectory, SANDBOX_ROOT),
        signal: task.signal,
      });
      timings.runMs += performance.now() - started;
      metadata.executionCompletedTimestamp = now();
      this.#cgroupReusable = (outcome.kind === 'exited' || outcome.kind === 'signaled') && !task.signal.aborted;
      // Nothing the action started may outlive it, and nothing may still
      // write to a file while it is moved into the CAS.
      await this.#cgroup.killAll();
      this.#cgroupEmptied = true;
      const cgroup = this.#cgroup;

      metadata.outputUploadStartTimestamp = now();
      started = performance.now();
      if (outcome.kind !== 'setup-failed') {
        result = await this.#result(outcome);
        // The kernel's counters only explain failures.
        message = outcome.kind === 'exited' && outcome.exitCode === 0 ? '' : describeLimits(outcome, platform, await cgroup.usage());
        if (outcome.kind === 'timed-out') {
          this.#fail(deadlineExceeded(`the action did not finish within its timeout of ${task.timeoutMs} ms and was killed`));
        } else if (task.signal.aborted) {
          this.#fail(unavailable('the server shut down while the action ran; it was killed'));
        } else {
          const { files: _files, bytes: _bytes, ...outputs } = await collector.collect(
            join(inputView, ...declared.workingDirectory),
            declared,
            command.outputDirectoryFormat,
          );
          result = { ...result, ...outputs };
        }
      } else {
        const why = `the sandbox could not start the action: ${outcome.message}`;
        this.#fail(outcome.actionFault ? failedPrecondition(why) : internal(why));
      }
      timings.outputUploadMs += performance.now() - started;
      metadata.outputUploadCompletedTimestamp = now();
    } catch (err) {
      this.#fail(err);
    } finally {
      await this.#cleanUp(result);
    }
    metadata.workerCompletedTimestamp = now();
    if (result !== undefined) {
      result.executionMetadata = {
        worker: this.#worker,
        queuedTimestamp: undefined,
        workerStartTimestamp: metadata.workerStartTimestamp,
        workerCompletedTimestamp: metadata.workerCompletedTimestamp,
        inputFetchStartTimestamp: metadata.inputFetchStartTimestamp,
        inputFetchCompletedTimestamp: metadata.inputFetchCompletedTimestamp,
        executionStartTimestamp: metadata.executionStartTimestamp,
        executionCompletedTimestamp: metadata.executionCompletedTimestamp,
        outputUploadStartTimestamp: metadata.outputUploadStartTimestamp,
        outputUploadCompletedTimestamp: metadata.outputUploadCompletedTimestamp,
        auxiliaryMetadata: [],
        virtualExecutionDuration: undefined,
      };
    }
    return {
      result,
      cachedResult: false,
      status: this.#failure?.toStatusProto() ?? okStatus(),
      serverLogs: {},
      message,
    };
  }

  async #mountOverlay(execroot: string): Promise<string> {
    const dir = `${this.#dir}${OVERLAY_SUFFIX}`;
    mkdirSync(dir, { mode: 0o700 });
    this.#overlayDirCreated = true;
    this.#overlay = await mountInputOverlay(
      {
        lower: execroot,
        upper: join(dir, OVERLAY.upper),
        work: join(dir, OVERLAY.work),
        merged: join(dir, OVERLAY.merged),
      },
      { uid: this.#options.actionUid, gid: this.#options.actionGid },
      this.#options.overlay,
    );
    return this.#overlay.merged;
  }

  /** The result's exit code, stdout and stderr (moved into the CAS). */
  async #result(outcome: Exclude<RunOutcome, { kind: 'setup-failed' }>): Promise<ActionResult> {
    const exitCode = outcome.kind === 'exited' ? outcome.exitCode : outcome.kind === 'signaled' ? 128 + outcome.signal : 128 + 9;
    return {
      outputFiles: [],
      outputDirectories: [],
      exitCode,
      stdoutRaw: Buffer.alloc(0),
      stdoutDigest: await this.#adoptLog(this.#logs!.stdout),
      stderrRaw: Buffer.alloc(0),
      stderrDigest: await this.#adoptLog(this.#logs!.stderr),
      executionMetadata: undefined,
      outputFileSymlinks: [],
      outputDirectorySymlinks: [],
      outputSymlinks: [],
    };
  }

  /** The log's digest: an empty one stays in place for the next action (the empty blob is always in the CAS), one with bytes is moved into the CAS. */
  async #adoptLog(path: string): Promise<{ hash: string; sizeBytes: number } | undefined> {
    const info = lstatSync(path, { throwIfNoEntry: false });
    if (info === undefined) return undefined;
    if (info.isFile() && info.size === 0) return digestProto(this.#options.blobs.digestFunction.emptyDigest);
    return digestProto(await this.#options.blobs.adoptFile(path));
  }

  async #cleanUp(result: ActionResult | undefined): Promise<void> {
    // Whether nothing the action started can still be running (no cgroup: it never ran).
    let stopped = this.#cgroup === undefined;
    if (this.#cgroup !== undefined) {
      try {
        if (!this.#cgroupReusable) this.#cgroup.retire();
        if (!this.#cgroupEmptied) await this.#cgroup.killAll();
        stopped = true;
        await this.#cgroup.remove();
      } catch (err) {
        this.#fail(internal(`cleaning up the action's cgroups: ${err instanceof Error ? err.message : String(err)}`, err));
      }
    }
    // After the kill: nothing can still write to them.
    try {
      this.#logs?.release();
    } catch (err) {
      this.#fail(internal(`releasing the action's stdout and stderr files: ${err instanceof Error ? err.message : String(err)}`, err));
    }
    if (this.#overlay !== undefined) {
      try {
        await this.#overlay.unmount();
      } catch (err) {
        this.#fail(err);
        // The merged view is still mounted: removing the directory would go through it.
        return;
      }
    }
    if (!this.#dirCreated) return;
    const failed = this.#failure !== undefined || (result?.exitCode ?? 0) !== 0;
    if (failed && this.#options.keepFailedActionDirectories === true) return;
    // Only once nothing of the action can add to them again; what is not taken back goes with the execroot.
    if (stopped) this.#spareDirectories.reclaim(this.#outputParents.toReversed());
    this.#remover.remove(this.#dir);
    if (this.#overlayDirCreated) this.#remover.remove(`${this.#dir}${OVERLAY_SUFFIX}`);
  }
}

/** What the kernel's counters say about a run that failed, for `ExecuteResponse.message`. */
function describeLimits(outcome: RunOutcome, platform: ActionPlatform, usage: CgroupUsage): string {
  if (outcome.kind === 'exited' && outcome.exitCode === 0) return '';
  const notes: string[] = [];
  if ((usage.oomKills ?? 0) > 0) {
    notes.push(`the action hit its memory limit of ${platform.limits.memoryBytes} bytes and ${usage.oomKills} process(es) were killed (platform property "memory")`);
  }
  if ((usage.pidsLimitHits ?? 0) > 0) {
    notes.push(`the action hit its limit of ${platform.limits.pids} processes ${usage.pidsLimitHits} time(s) (platform property "pids")`);
  }
  return notes.join('; ');
}

function parseDigest(proto: { hash: string; sizeBytes: number }, digestFunction: Parameters<typeof Digest.parse>[2], field: string): Digest {
  try {
    return Digest.parse(proto.hash, proto.sizeBytes, digestFunction);
  } catch (err) {
    throw invalidArgument(`the action's ${field} is malformed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function now(): Timestamp {
  const ms = Date.now();
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

/** Mount points at or below `dir`, deepest first, from /proc/self/mountinfo. */
async function mountPointsUnder(dir: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const points = text
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => point !== undefined)
    // mountinfo escapes space, tab, newline and backslash as octal.
    .map((point) => point.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))))
    .filter((point) => point.startsWith(`${dir}/`));
  return points.sort((a, b) => b.length - a.length);
}
