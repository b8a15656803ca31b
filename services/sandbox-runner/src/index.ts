// The executor that runs actions in the Linux sandbox, and its parts.
export { SandboxActionExecutor } from './sandbox-action-executor.ts';
export type { SandboxActionExecutorOptions } from './sandbox-action-executor.ts';
export type { DirectorySource } from './directory-source.ts';

// Running: the Runner interface and the actiond-sandbox runner.
export type { Runner, RunRequest, RunOutcome, RunUsage } from './runner.ts';
export { LinuxSandboxRunner, DEFAULT_SANDBOX_INPUT_ROOT } from './linux-sandbox-runner.ts';
export type { LinuxSandboxRunnerOptions } from './linux-sandbox-runner.ts';
export type { SandboxHelperLauncher, LaunchedHelper, HelperExit } from './sandbox-helper-launcher.ts';
export { SpawningSandboxHelperLauncher } from './spawning-sandbox-helper-launcher.ts';
export { ForkServerSandboxHelperLauncher } from './fork-server-sandbox-helper-launcher.ts';

// Platform properties and runtimes.
export { parsePlatformProperties, hostArchitecture, PLATFORM_PROPERTY_NAMES } from './platform-properties.ts';
export type { ActionPlatform, LimitPolicy, NetworkMode, PlatformPolicy, ResourceLimits } from './platform-properties.ts';
export type { Runtime, RuntimeEntry, RuntimeProvider } from './runtime-provider.ts';
export { DirectoryRuntimeProvider } from './directory-runtime-provider.ts';
export { RuntimeImageMount } from './runtime-image-mount.ts';

// cgroups.
export type { ActionCgroup, CgroupManager, CgroupUsage } from './cgroup-manager.ts';
export { openCgroupManager } from './cgroup-detection.ts';
export { serverCgroupParent, SERVER_CGROUPS_BASE } from './server-cgroup-parent.ts';
export type { CgroupDetectionOptions } from './cgroup-detection.ts';
export { CgroupV1Manager } from './cgroup-v1.ts';
export type { CgroupV1Options } from './cgroup-v1.ts';
export { CgroupV2Manager } from './cgroup-v2.ts';
export type { CgroupV2Options } from './cgroup-v2.ts';
export { PooledCgroupManager } from './pooled-cgroup-manager.ts';
export type { PooledCgroupManagerOptions } from './pooled-cgroup-manager.ts';
export { BackgroundRemovalCgroupManager, DEFAULT_MAX_PENDING_REMOVALS } from './background-removal-cgroup-manager.ts';
export type { BackgroundRemovalCgroupManagerOptions } from './background-removal-cgroup-manager.ts';

// Inputs and outputs, for other executors (the VM path).
export { ExecrootMaterializer, INPUT_DIRECTORY_MODE, THREADED_LINK_THRESHOLD, defaultTreeLinker } from './execroot-materializer.ts';
export type { TreeLinker, LinkOutcome } from './tree-linker.ts';
export type { LinkJob, LinkJobFailure, LinkFileSystem } from './link-job.ts';
export { SynchronousTreeLinker } from './synchronous-tree-linker.ts';
export { WorkerPoolTreeLinker } from './worker-pool-tree-linker.ts';
export { SizeSwitchingTreeLinker } from './size-switching-tree-linker.ts';
export { BackgroundDirectoryRemover } from './background-directory-remover.ts';
export { SpareExecrootPool, DEFAULT_SPARE_LIMITS, defaultSpareExecrootPool } from './spare-execroot-pool.ts';
export type { SpareExecrootLimits, MadeTree } from './spare-execroot-pool.ts';
export { checkLinkedTree } from './linked-tree-check.ts';
export type { MaterializationStats } from './execroot-materializer.ts';
export { InputTreeLoader } from './input-tree-loader.ts';
export type { InputTree, InputDirectory } from './input-tree-loader.ts';
export { OutputCollector } from './output-collector.ts';
export type { CollectedOutputs } from './output-collector.ts';
export { parseDeclaredOutputs, createOutputParents } from './declared-outputs.ts';
export type { DeclaredOutput, DeclaredOutputs } from './declared-outputs.ts';

// The actiond-sandbox helper's command-line contract.
export { sandboxHelperPath } from './sandbox-helper-path.ts';
export { sandboxHelperArgs, SANDBOX_MAX_MS } from './sandbox-helper-args.ts';
export type { SandboxHelperPlan, SandboxMountStep, SandboxEnvironmentVariable } from './sandbox-helper-args.ts';
export { InvalidSandboxPlanError } from './invalid-sandbox-plan-error.ts';
export {
  parseSandboxHelperStatus,
  InvalidSandboxStatusError,
  SANDBOX_SETUP_FAILED_EXIT_CODE,
} from './sandbox-helper-status.ts';
export type { SandboxHelperStatus, SandboxResourceUsage } from './sandbox-helper-status.ts';
