import type { DigestFunction } from '@actiond/digest';
import { DigestFunction_Value } from '@actiond/proto';
import { invalidArgument } from '@actiond/status';

/**
 * The digest function of a request's `digest_function` field, checked
 * against the one the store uses (`served`, SHA256 for now). UNKNOWN (0)
 * means "the classic function the hash length implies", which for a
 * SHA256-only server is SHA256; the hashes themselves are then checked
 * when each digest is parsed. Anything else is INVALID_ARGUMENT naming the
 * function asked for and the one supported.
 */
export function requestDigestFunction(value: number, served: DigestFunction, field = 'digest_function'): DigestFunction {
  if (value === DigestFunction_Value.UNKNOWN || value === served.reapiValue) return served;
  const message = `unsupported digest function ${digestFunctionName(value)}; this server supports ${served.name}`;
  throw invalidArgument(message, [{ field, description: message }]);
}

/** The REAPI enum name of a digest function value, or a description of an unknown number. */
export function digestFunctionName(value: number): string {
  const entry = Object.entries(DigestFunction_Value).find(([, v]) => v === value);
  return entry === undefined ? `${value} (not a REAPI digest function)` : entry[0];
}
