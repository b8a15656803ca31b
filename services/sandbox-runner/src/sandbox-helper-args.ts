import { InvalidSandboxPlanError } from './invalid-sandbox-plan-error.ts';

/**
 * One step of the sandbox's filesystem, applied in plan order inside the new
 * root. Targets are normalized absolute paths inside the sandbox (`/usr`); a
 * target's missing parents are created, on the sandbox's own root tmpfs or,
 * under an earlier bind, in that bind's host directory.
 */
export type SandboxMountStep =
  /** Host path `source` at `target`, read-only, nosuid, nodev. */
  | { readonly kind: 'ro-bind'; readonly source: string; readonly target: string }
  /** Host path `source` at `target`, writable (unless the host mount is not), nosuid, nodev. */
  | { readonly kind: 'rw-bind'; readonly source: string; readonly target: string }
  /** A fresh, private tmpfs (mode 1777). */
  | { readonly kind: 'tmpfs'; readonly target: string }
  /** A procfs of the sandbox's own PID namespace. */
  | { readonly kind: 'proc'; readonly target: string }
  /** A minimal read-only /dev: null, zero, full, random, urandom, a tmpfs shm/, fd and std* links. */
  | { readonly kind: 'dev'; readonly target: string }
  /** A symlink whose contents are `linkText` (`usr/bin` for `/bin`). */
  | { readonly kind: 'symlink'; readonly linkText: string; readonly target: string }
  /** A hosts file that maps localhost to 127.0.0.1 and ::1. */
  | { readonly kind: 'etc-hosts'; readonly target: string };

/** One variable of the action's environment; the shape of REAPI's `Command.EnvironmentVariable`. */
export interface SandboxEnvironmentVariable {
  readonly name: string;
  readonly value: string;
}

/** Everything actiond-sandbox needs to run one action. Host paths are absolute. */
export interface SandboxHelperPlan {
  /** Host directory, normally empty, that becomes "/" (a tmpfs is mounted on it inside the sandbox only). */
  readonly root: string;
  /** The filesystem, applied in order. */
  readonly mounts: readonly SandboxMountStep[];
  /** The action's working directory inside the sandbox. */
  readonly workdir: string;
  /** The unprivileged uid the action runs as; 0 is refused. */
  readonly uid: number;
  /** The action's gid (no supplementary groups); 0 is refused. */
  readonly gid: number;
  /** Exactly the action's environment, in order; names are unique. */
  readonly env: readonly SandboxEnvironmentVariable[];
  /** The action's argv; argv[0] without a slash is looked up in `env`'s PATH. */
  readonly argv: readonly string[];
  /** Hostname inside the sandbox; the helper's default is `localhost`. */
  readonly hostname?: string;
  /** Keep the host's network; by default the action gets only its own loopback. */
  readonly network?: boolean;
  /** cgroup.procs files the action joins before exec (one per v1 hierarchy, or one on v2). */
  readonly cgroupProcs?: readonly string[];
  /** Kill the sandbox after this many ms of wall time; 0 or absent: never. */
  readonly timeoutMs?: number;
  /** On timeout or SIGTERM, SIGTERM first and SIGKILL this many ms later; 0 or absent: SIGKILL at once. */
  readonly killDelayMs?: number;
  /** An fd of the helper (>= 3) for its one-line status; see {@link parseSandboxHelperStatus}. */
  readonly statusFd?: number;
  /** Host file for the action's stdout (created or truncated); absent: the helper's stdout. */
  readonly stdoutPath?: string;
  /** Host file for the action's stderr (created or truncated); absent: the helper's stderr. */
  readonly stderrPath?: string;
}

/** Largest --timeout-ms and --kill-delay-ms the helper accepts (2^40 ms, about 35 years). */
export const SANDBOX_MAX_MS = 2 ** 40;
/** Largest uid or gid: (uid_t)-1 means "unchanged" to the kernel. */
const MAX_ID = 2 ** 32 - 2;

/**
 * Turns a plan into the helper's argv (without the helper's own path), so that
 * the command-line contract of actiond-sandbox (native/options.h) lives in
 * exactly one TypeScript place. Validates what the helper validates, with
 * messages that name the plan field; throws {@link InvalidSandboxPlanError}.
 */
export function sandboxHelperArgs(plan: SandboxHelperPlan): string[] {
  const args: string[] = [];
  args.push('--root', hostPath('root', plan.root));
  args.push('--workdir', sandboxPath('workdir', plan.workdir, true));
  args.push('--uid', String(id('uid', plan.uid)));
  args.push('--gid', String(id('gid', plan.gid)));
  if (plan.hostname !== undefined) {
    text('hostname', plan.hostname);
    if (plan.hostname.length < 1 || Buffer.byteLength(plan.hostname) > 64) {
      throw new InvalidSandboxPlanError('hostname', `${JSON.stringify(plan.hostname)} is not 1 to 64 bytes`);
    }
    args.push('--hostname', plan.hostname);
  }
  if (plan.network === true) args.push('--network');

  const targets = new Set<string>();
  plan.mounts.forEach((step, i) => {
    const field = `mounts[${i}]`;
    const target = sandboxPath(`${field}.target`, step.target, false);
    if (targets.has(target)) {
      throw new InvalidSandboxPlanError(`${field}.target`, `${target} is already the target of an earlier step`);
    }
    targets.add(target);
    args.push(...stepArgs(field, step, target));
  });

  plan.cgroupProcs?.forEach((path, i) => {
    const field = `cgroupProcs[${i}]`;
    if (!hostPath(field, path).endsWith('/cgroup.procs')) {
      throw new InvalidSandboxPlanError(field, `${JSON.stringify(path)} is not a cgroup.procs file`);
    }
    args.push('--cgroup-procs', path);
  });
  if (plan.timeoutMs !== undefined) args.push('--timeout-ms', String(milliseconds('timeoutMs', plan.timeoutMs)));
  if (plan.killDelayMs !== undefined) {
    args.push('--kill-delay-ms', String(milliseconds('killDelayMs', plan.killDelayMs)));
  }
  if (plan.statusFd !== undefined) {
    if (!Number.isSafeInteger(plan.statusFd) || plan.statusFd < 3) {
      throw new InvalidSandboxPlanError('statusFd', `${plan.statusFd} is not an fd number >= 3`);
    }
    args.push('--status-fd', String(plan.statusFd));
  }
  if (plan.stdoutPath !== undefined) args.push('--stdout', hostPath('stdoutPath', plan.stdoutPath));
  if (plan.stderrPath !== undefined) args.push('--stderr', hostPath('stderrPath', plan.stderrPath));

  const names = new Set<string>();
  plan.env.forEach(({ name, value }, i) => {
    const field = `env[${i}]`;
    text(`${field}.name`, name);
    text(`${field}.value`, value);
    if (name === '' || name.includes('=')) {
      throw new InvalidSandboxPlanError(`${field}.name`, `${JSON.stringify(name)} is empty or contains "="`);
    }
    if (names.has(name)) throw new InvalidSandboxPlanError(`${field}.name`, `${name} is given twice`);
    names.add(name);
    args.push('--env', `${name}=${value}`);
  });

  if (plan.argv.length === 0) throw new InvalidSandboxPlanError('argv', 'is empty');
  plan.argv.forEach((arg, i) => text(`argv[${i}]`, arg));
  if (plan.argv[0] === '') throw new InvalidSandboxPlanError('argv[0]', 'is empty');
  args.push('--', ...plan.argv);
  return args;
}

function stepArgs(field: string, step: SandboxMountStep, target: string): string[] {
  switch (step.kind) {
    case 'ro-bind':
    case 'rw-bind':
      return [`--${step.kind}`, hostPath(`${field}.source`, step.source), target];
    case 'tmpfs':
    case 'proc':
    case 'dev':
    case 'etc-hosts':
      return [`--${step.kind}`, target];
    case 'symlink':
      text(`${field}.linkText`, step.linkText);
      if (step.linkText === '') throw new InvalidSandboxPlanError(`${field}.linkText`, 'is empty');
      return ['--symlink', step.linkText, target];
    default: {
      const unknown: { kind?: unknown } = step;
      throw new InvalidSandboxPlanError(`${field}.kind`, `unknown step kind ${JSON.stringify(unknown.kind)}`);
    }
  }
}

/** Every string reaches the helper through execve, where a NUL byte would silently cut it. */
function text(field: string, value: string): string {
  if (typeof value !== 'string') throw new InvalidSandboxPlanError(field, `is not a string`);
  if (value.includes('\0')) throw new InvalidSandboxPlanError(field, `${JSON.stringify(value)} contains a NUL byte`);
  return value;
}

function hostPath(field: string, path: string): string {
  text(field, path);
  if (!path.startsWith('/')) throw new InvalidSandboxPlanError(field, `host path ${JSON.stringify(path)} is not absolute`);
  if (field === 'root' && path === '/') throw new InvalidSandboxPlanError(field, `the host's / cannot be the root`);
  return path;
}

/** Absolute, with no empty, "." or ".." component and no trailing slash; "/" only where allowed. */
function sandboxPath(field: string, path: string, allowRoot: boolean): string {
  text(field, path);
  if (!path.startsWith('/')) throw new InvalidSandboxPlanError(field, `${JSON.stringify(path)} is not an absolute path`);
  if (path === '/') {
    if (allowRoot) return path;
    throw new InvalidSandboxPlanError(field, `"/" cannot be a target; the root is plan.root`);
  }
  if (path.slice(1).split('/').some((c) => c === '' || c === '.' || c === '..')) {
    throw new InvalidSandboxPlanError(field, `${JSON.stringify(path)} is not normalized (empty, "." or ".." component)`);
  }
  return path;
}

function id(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_ID) {
    throw new InvalidSandboxPlanError(field, `${value} is not an unprivileged id in [1, ${MAX_ID}]`);
  }
  return value;
}

function milliseconds(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > SANDBOX_MAX_MS) {
    throw new InvalidSandboxPlanError(field, `${value} is not a whole number of ms in [0, ${SANDBOX_MAX_MS}]`);
  }
  return value;
}
