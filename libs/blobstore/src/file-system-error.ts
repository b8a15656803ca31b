import { ActiondError } from '@actiond/status';

/** Error codes that mean "out of a resource", worth a retry later rather than a bug report. */
const EXHAUSTED = new Set(['ENOSPC', 'EDQUOT', 'EMFILE', 'ENFILE', 'ENOMEM']);

/**
 * Turns a failed file-system call into an ActiondError whose message says what the
 * store was doing: RESOURCE_EXHAUSTED for a full disk or too many open files,
 * INTERNAL (with the cause) for anything else. ActiondErrors pass through unchanged.
 */
export function fileSystemError(err: unknown, doing: string): ActiondError {
  if (err instanceof ActiondError) return err;
  const code = errnoCode(err);
  const detail = err instanceof Error ? err.message : String(err);
  if (code !== undefined && EXHAUSTED.has(code)) {
    return ActiondError.resourceExhausted(`${doing}: ${detail}`);
  }
  return ActiondError.internal(`${doing}: ${detail}`, err);
}

/** The `code` of a Node system error ("ENOENT", ...), or undefined. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') {
    return err.code;
  }
  return undefined;
}
