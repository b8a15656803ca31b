import type { Duration } from '@actiond/proto';
import { invalidArgument } from '@actiond/status';

/** What {@link TimeoutPolicy} is built from; the cmd sets both from its flags. */
export interface TimeoutPolicyOptions {
  /** Applied when an Action has no timeout (`--default-action-timeout`). */
  readonly defaultMs: number;
  /** The largest timeout an Action may ask for (`--max-action-timeout`). */
  readonly maxMs: number;
}

const NANOS_PER_SECOND = 1_000_000_000;
const NANOS_PER_MS = 1_000_000;

/**
 * The server's execution timeouts: a default for actions that ask for none
 * and a maximum no action may exceed. REAPI: the server SHOULD impose a
 * timeout when the client gives none, and MUST reject a requested timeout
 * above its maximum. The timeout covers running the command only, not
 * queueing or transfers; the executor enforces it (ExecuteTask.timeoutMs).
 */
export class TimeoutPolicy {
  /** 15 minutes: longer than any compile, short enough that a hung tool frees its slot. */
  static readonly DEFAULT_MS = 15 * 60_000;
  /** 1 hour: room for long test shards. */
  static readonly MAX_MS = 60 * 60_000;

  readonly defaultMs: number;
  readonly maxMs: number;

  /** Throws a RangeError unless 0 < defaultMs <= maxMs, both whole milliseconds. */
  constructor(options: TimeoutPolicyOptions = { defaultMs: TimeoutPolicy.DEFAULT_MS, maxMs: TimeoutPolicy.MAX_MS }) {
    const { defaultMs, maxMs } = options;
    for (const [name, value] of [['default', defaultMs], ['maximum', maxMs]] as const) {
      if (!Number.isSafeInteger(value) || value <= 0) {
        throw new RangeError(`the ${name} action timeout must be a positive number of milliseconds, got ${value}`);
      }
    }
    if (defaultMs > maxMs) {
      throw new RangeError(
        `the default action timeout (${formatDuration(defaultMs)}) is above the maximum (${formatDuration(maxMs)})`,
      );
    }
    this.defaultMs = defaultMs;
    this.maxMs = maxMs;
    Object.freeze(this);
  }

  /**
   * The timeout to run an action with, in milliseconds (rounded up): its
   * `Action.timeout`, or the default when absent or zero (Bazel leaves it
   * out for actions without one; zero cannot mean "kill at once"). Throws
   * INVALID_ARGUMENT naming `Action.timeout` for a negative or malformed
   * Duration, and naming both values for one above the maximum.
   */
  resolve(timeout: Duration | undefined): number {
    if (timeout === undefined || (timeout.seconds === 0 && timeout.nanos === 0)) return this.defaultMs;
    const { seconds, nanos } = timeout;
    const field = 'action.timeout';
    if (!Number.isSafeInteger(seconds) || !Number.isInteger(nanos) || Math.abs(nanos) >= NANOS_PER_SECOND || (seconds !== 0 && nanos !== 0 && Math.sign(seconds) !== Math.sign(nanos))) {
      const message = `Action.timeout is not a valid Duration (seconds ${seconds}, nanos ${nanos})`;
      throw invalidArgument(message, [{ field, description: message }]);
    }
    if (seconds < 0 || nanos < 0) {
      const message = `Action.timeout is negative (${seconds}s ${nanos}ns); it must be positive or absent`;
      throw invalidArgument(message, [{ field, description: message }]);
    }
    // Compare in nanoseconds as bigints: seconds may be far beyond what
    // milliseconds in a double represent exactly.
    const requestedNanos = BigInt(seconds) * BigInt(NANOS_PER_SECOND) + BigInt(nanos);
    if (requestedNanos > BigInt(this.maxMs) * BigInt(NANOS_PER_MS)) {
      const message = `Action.timeout ${formatSeconds(seconds, nanos)} exceeds this server's maximum action timeout of ${formatDuration(this.maxMs)}`;
      throw invalidArgument(message, [{ field, description: message }]);
    }
    return Number((requestedNanos + BigInt(NANOS_PER_MS - 1)) / BigInt(NANOS_PER_MS));
  }
}

/** A duration in milliseconds as people write it: `1h`, `15m`, `1m30s`, `2.5s`, `250ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  const parts: string[] = [];
  if (hours > 0) parts.push(`${hours}h`);
  if (minutes > 0) parts.push(`${minutes}m`);
  if (seconds > 0) parts.push(`${seconds}s`);
  return parts.join('');
}

function formatSeconds(seconds: number, nanos: number): string {
  if (nanos === 0 && seconds <= Number.MAX_SAFE_INTEGER / 1000) return formatDuration(seconds * 1000);
  return `${seconds}${nanos === 0 ? '' : `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`}s`;
}
