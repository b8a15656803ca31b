/**
 * Thrown by {@link sandboxHelperArgs} for a plan the helper would refuse. The
 * message starts with the field at fault (`mounts[2].target: "usr" is not an
 * absolute path`), so the caller can log it as is; a plan is built by our own
 * code, so this is a bug to fix, not a client error to map.
 */
export class InvalidSandboxPlanError extends Error {
  override readonly name = 'InvalidSandboxPlanError';
  /** The plan field at fault, as a path (`mounts[2].target`, `env[0].name`). */
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.field = field;
  }
}
