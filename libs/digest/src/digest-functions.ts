import type { DigestFunction } from './digest-function.ts';
import { UnsupportedDigestFunctionError } from './digest-errors.ts';
import { SHA256 } from './sha256-digest-function.ts';

/**
 * Every `DigestFunction.Value` REAPI defines (remote_execution.proto), so errors
 * can tell "known but not implemented here" from "not a digest function at all".
 */
const REAPI_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'UNKNOWN'],
  [1, 'SHA256'],
  [2, 'SHA1'],
  [3, 'MD5'],
  [4, 'VSO'],
  [5, 'SHA384'],
  [6, 'SHA512'],
  [7, 'MURMUR3'],
  [8, 'SHA256TREE'],
  [9, 'BLAKE3'],
]);

/**
 * Classic functions whose hash length identifies them; REAPI lets clients omit the
 * function for these and servers infer it from the hash length (40 → SHA1, 64 → SHA256, ...).
 */
const CLASSIC_BY_LENGTH: ReadonlyMap<number, string> = new Map([
  [32, 'MD5'],
  [40, 'SHA1'],
  [64, 'SHA256'],
  [96, 'SHA384'],
  [128, 'SHA512'],
]);

const SUPPORTED: readonly DigestFunction[] = Object.freeze([SHA256]);

function supportedList(): string {
  return SUPPORTED.map((fn) => fn.name).join(', ');
}

/**
 * The digest functions this server implements, and how requests name them.
 * Anything else throws {@link UnsupportedDigestFunctionError} naming what was asked
 * and what is supported.
 */
export const DigestFunctions = Object.freeze({
  /** The function used when a request does not name one. */
  default: SHA256,

  /** All implemented functions, for GetCapabilities. */
  all: SUPPORTED,

  /** By REAPI enum name ("SHA256"); case-insensitive, since resource names use "sha256". */
  byName(name: string): DigestFunction {
    const upper = String(name).toUpperCase();
    const found = SUPPORTED.find((fn) => fn.name === upper);
    if (found) return found;
    const known = [...REAPI_NAMES.values()].includes(upper) && upper !== 'UNKNOWN';
    throw new UnsupportedDigestFunctionError(
      known
        ? `digest function ${upper} is not supported by this server (supported: ${supportedList()})`
        : `unknown digest function ${JSON.stringify(String(name).slice(0, 64))} (supported: ${supportedList()})`,
    );
  },

  /** By REAPI enum value (1 = SHA256). Value 0 (UNKNOWN) is rejected: use {@link DigestFunctions.resolve}. */
  byValue(value: number): DigestFunction {
    const found = SUPPORTED.find((fn) => fn.reapiValue === value);
    if (found) return found;
    const name = REAPI_NAMES.get(value);
    if (name === 'UNKNOWN') {
      throw new UnsupportedDigestFunctionError(
        'digest function UNKNOWN (0) names no function; infer it from the hash length instead',
      );
    }
    throw new UnsupportedDigestFunctionError(
      name === undefined
        ? `digest function value ${value} is not a REAPI digest function (supported: ${supportedList()})`
        : `digest function ${name} (${value}) is not supported by this server (supported: ${supportedList()})`,
    );
  },

  /** The classic function whose hashes have this many hex characters. */
  byHashLength(hashLengthHex: number): DigestFunction {
    const found = SUPPORTED.find((fn) => fn.hashLengthHex === hashLengthHex);
    if (found) return found;
    const name = CLASSIC_BY_LENGTH.get(hashLengthHex);
    throw new UnsupportedDigestFunctionError(
      name === undefined
        ? `no digest function has ${hashLengthHex}-character hashes (supported: ${supportedList()})`
        : `a ${hashLengthHex}-character hash means ${name}, which this server does not support (supported: ${supportedList()})`,
    );
  },

  /**
   * The function for a request: its `digest_function` field when set (non-zero),
   * else inferred from the length of a hash in the request, else the default.
   */
  resolve(value: number | undefined, hash?: string): DigestFunction {
    if (value !== undefined && value !== 0) return DigestFunctions.byValue(value);
    if (hash !== undefined) return DigestFunctions.byHashLength(hash.length);
    return SHA256;
  },
});
