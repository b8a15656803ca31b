/**
 * The helper's exit status when the sandbox could not be set up or the action
 * could not be started. An action may exit 125 itself: only the status line
 * tells the two apart.
 */
export const SANDBOX_SETUP_FAILED_EXIT_CODE = 125;

/** What the sandbox's processes used, from wait4(2) on the sandbox's PID 1. */
export interface SandboxResourceUsage {
  /** Wall time from creating the sandbox to reaping it. */
  readonly wallMicros: number;
  /** CPU time in user mode of every process of the sandbox. */
  readonly userMicros: number;
  /** CPU time in kernel mode of every process of the sandbox (setup included). */
  readonly systemMicros: number;
  /** Largest resident set of any one process of the sandbox. */
  readonly maxRssKib: number;
}

/** What happened, as the helper wrote it on its --status-fd. */
export type SandboxHelperStatus =
  /** The action exited with `code`. */
  | { readonly kind: 'exit'; readonly code: number; readonly usage: SandboxResourceUsage }
  /** The action was killed by `signal` (9 also when its memory cgroup's OOM killer struck). */
  | { readonly kind: 'signal'; readonly signal: number; readonly usage: SandboxResourceUsage }
  /** The timeout elapsed and the sandbox was killed. */
  | { readonly kind: 'timeout'; readonly usage: SandboxResourceUsage }
  /** The sandbox could not be set up, or the action not started: `file:line: what: errno text`. */
  | { readonly kind: 'setup-error'; readonly message: string };

/** Thrown when the status fd did not carry exactly one well-formed status line. */
export class InvalidSandboxStatusError extends Error {
  override readonly name = 'InvalidSandboxStatusError';
}

const USAGE = / wall_us=(\d+) user_us=(\d+) sys_us=(\d+) maxrss_kib=(\d+)$/;

/**
 * Parses everything the helper wrote to its status fd: one line
 * (`exit 3 wall_us=… user_us=… sys_us=… maxrss_kib=…`, `signal 9 …`,
 * `timeout …`, or `setup-error <message>`), ending in a newline. Anything
 * else, including nothing (the helper itself was killed), throws
 * {@link InvalidSandboxStatusError} quoting what was read.
 */
export function parseSandboxHelperStatus(written: string): SandboxHelperStatus {
  const fail = (why: string): never => {
    throw new InvalidSandboxStatusError(`sandbox helper status ${JSON.stringify(written)}: ${why}`);
  };
  if (!written.endsWith('\n')) fail(written === '' ? 'nothing was written' : 'no complete line');
  const line = written.slice(0, -1);
  if (line.includes('\n')) fail('more than one line');

  if (line.startsWith('setup-error ')) return { kind: 'setup-error', message: line.slice('setup-error '.length) };

  const usageMatch = USAGE.exec(line);
  if (usageMatch === null) return fail('no resource usage');
  const [, wall, user, sys, rss] = usageMatch.map(Number);
  const usage: SandboxResourceUsage = { wallMicros: wall!, userMicros: user!, systemMicros: sys!, maxRssKib: rss! };
  const head = line.slice(0, usageMatch.index);

  if (head === 'timeout') return { kind: 'timeout', usage };
  const kindMatch = /^(exit|signal) (\d{1,3})$/.exec(head);
  if (kindMatch === null) return fail('unknown outcome');
  const number = Number(kindMatch[2]);
  if (kindMatch[1] === 'exit') {
    if (number > 255) fail('exit code above 255');
    return { kind: 'exit', code: number, usage };
  }
  if (number < 1 || number > 64) fail('no such signal');
  return { kind: 'signal', signal: number, usage };
}
