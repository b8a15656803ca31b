import {
  MAX_BATCH_TOTAL_SIZE_BYTES,
  SUPPORTED_BATCH_UPDATE_COMPRESSORS,
  SUPPORTED_COMPRESSORS,
} from '@actiond/cas-service';
import { DigestFunctions } from '@actiond/digest';
import {
  type DigestFunction_Value,
  type ExecutionCapabilities,
  ServerCapabilities,
  SymlinkAbsolutePathStrategy_Value,
} from '@actiond/proto';
import { HIGH_API_VERSION, LOW_API_VERSION } from './api-versions.ts';

/**
 * What an executor composed into the server honours, for
 * `ExecutionCapabilities`. The cmd passes it only when it registers the
 * Execution service; without it the server is a cache only and says so by
 * omitting `execution_capabilities`, as REAPI asks of cache-only endpoints.
 */
export interface ExecutionOffer {
  /**
   * The inclusive range of `ExecutionPolicy.priority` the scheduler orders
   * by (lower runs sooner; 0 is the default and must be inside).
   */
  readonly priority: { readonly min: number; readonly max: number };
  /**
   * The keys of `Command.output_node_properties` the executor reports on
   * outputs: NodeProperties field names (`unix_mode`, `mtime`) or names of
   * string NodeProperty entries. REAPI has clients send only these; others
   * are INVALID_ARGUMENT at Execute. Empty when none are reported.
   */
  readonly supportedNodeProperties: readonly string[];
}

/**
 * The ServerCapabilities GetCapabilities returns, claiming only what the
 * services implement: the digest functions of @actiond/digest (SHA256), the
 * CAS limits and compressors the CAS service enforces, client writes to the
 * action cache (UpdateActionResult is served), absolute symlink targets
 * allowed (outputs record symlinks as the action left them), and the API
 * versions of api-versions.ts. No cache priorities: ResultsCachePolicy is
 * ignored. No blob size limit beyond the disk (`max_cas_blob_size_bytes` 0),
 * no SplitBlob/SpliceBlob.
 *
 * Throws a RangeError for an ExecutionOffer whose priority range is empty or
 * leaves out the default priority 0.
 */
export function buildServerCapabilities(execution?: ExecutionOffer): ServerCapabilities {
  const digestFunctions = DigestFunctions.all.map((fn) => fn.reapiValue as DigestFunction_Value);
  return ServerCapabilities.fromPartial({
    cacheCapabilities: {
      digestFunctions,
      actionCacheUpdateCapabilities: { updateEnabled: true },
      maxBatchTotalSizeBytes: MAX_BATCH_TOTAL_SIZE_BYTES,
      symlinkAbsolutePathStrategy: SymlinkAbsolutePathStrategy_Value.ALLOWED,
      supportedCompressors: [...SUPPORTED_COMPRESSORS],
      supportedBatchUpdateCompressors: [...SUPPORTED_BATCH_UPDATE_COMPRESSORS],
      maxCasBlobSizeBytes: 0,
    },
    executionCapabilities: execution === undefined ? undefined : executionCapabilities(execution, digestFunctions),
    deprecatedApiVersion: LOW_API_VERSION,
    lowApiVersion: LOW_API_VERSION,
    highApiVersion: HIGH_API_VERSION,
  });
}

function executionCapabilities(offer: ExecutionOffer, digestFunctions: DigestFunction_Value[]): ExecutionCapabilities {
  const { min, max } = offer.priority;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min > max || min > 0 || max < 0) {
    throw new RangeError(`execution priority range [${min}, ${max}] must be integers with min <= 0 <= max`);
  }
  return {
    // The legacy single field must be set and be one of digest_functions.
    digestFunction: DigestFunctions.default.reapiValue as DigestFunction_Value,
    digestFunctions,
    execEnabled: true,
    executionPriorityCapabilities: { priorities: [{ minPriority: min, maxPriority: max }] },
    supportedNodeProperties: [...offer.supportedNodeProperties],
  };
}
