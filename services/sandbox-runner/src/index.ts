export { sandboxHelperPath } from './sandbox-helper-path.ts';
export type { SandboxHelperPathOptions } from './sandbox-helper-path.ts';
export { sandboxHelperArgs, SANDBOX_MAX_MS } from './sandbox-helper-args.ts';
export type { SandboxHelperPlan, SandboxMountStep, SandboxEnvironmentVariable } from './sandbox-helper-args.ts';
export { InvalidSandboxPlanError } from './invalid-sandbox-plan-error.ts';
export {
  parseSandboxHelperStatus,
  InvalidSandboxStatusError,
  SANDBOX_SETUP_FAILED_EXIT_CODE,
} from './sandbox-helper-status.ts';
export type { SandboxHelperStatus, SandboxResourceUsage } from './sandbox-helper-status.ts';
