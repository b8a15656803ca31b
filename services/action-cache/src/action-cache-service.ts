import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { BlobAccess } from '@actiond/blobstore';
import { type InstanceNames, parseRequestDigest, requestDigestFunction, TreeWalker } from '@actiond/reapi';
import { ActionCacheService, type ActionResult, type DigestFunction_Value } from '@actiond/proto';
import { implementService, unary } from '@actiond/rpc';
import { invalidArgument, missingBlobs, notFound } from '@actiond/status';
import type { Telemetry } from '@actiond/telemetry';
import type { ActionCache } from './action-cache.ts';
import { invalidActionResult, validateActionResult } from './action-result-validation.ts';
import { inlineOutputs } from './inline-outputs.ts';
import { checkResultBlobs } from './result-blobs.ts';
import { toStoredActionResult } from './stored-action-result.ts';

/** What {@link createActionCacheService} serves from. */
export interface ActionCacheServiceOptions {
  /**
   * The cache to read and write; wrap it in CompletenessCheckingActionCache
   * so that entries whose blobs are gone read as misses.
   */
  readonly actionCache: ActionCache;
  /** The CAS the results refer to; its digest function is the only one served. */
  readonly blobs: BlobAccess;
  /**
   * Reads Directories for UpdateActionResult's check of outputs reported only
   * by `root_directory_digest`; a private one over `blobs` unless given.
   */
  readonly walker?: TreeWalker;
  /** The instance names served; anything else is INVALID_ARGUMENT. */
  readonly instanceNames: InstanceNames;
  /** Where calls, hits and misses are counted. */
  readonly telemetry: Telemetry;
}

/** The definition and handlers to pass to `server.addService`. */
export interface ActionCacheServiceRegistration {
  readonly service: typeof ActionCacheService;
  readonly implementation: UntypedServiceImplementation;
}

/**
 * The REAPI ActionCache service.
 *
 * GetActionResult: INVALID_ARGUMENT for an unknown instance name, an
 * unsupported digest function or a malformed action digest; NOT_FOUND naming
 * the action digest when there is no (usable) entry; otherwise the result,
 * with stdout, stderr and the listed output files inlined as asked within
 * MAX_INLINE_BYTES. Counts `actionCacheHits` / `actionCacheMisses`.
 *
 * UpdateActionResult (clients may write: Capabilities says
 * `update_enabled`): INVALID_ARGUMENT naming the field for a malformed
 * digest, output path or Tree blob; FAILED_PRECONDITION with one MISSING
 * violation per blob (the form REAPI clients act on) when blobs the result
 * refers to are not in the CAS, since REAPI lists FAILED_PRECONDITION for
 * errors in updating the result and serving it would fail the next client;
 * RESOURCE_EXHAUSTED when the disk is full. Inline bytes the client sent are
 * moved to the CAS (see toStoredActionResult), and the stored result is
 * returned.
 *
 * Every served instance name reads and writes the same cache, as they share
 * one CAS.
 */
export function createActionCacheService(options: ActionCacheServiceOptions): ActionCacheServiceRegistration {
  const { actionCache, blobs, instanceNames, telemetry } = options;
  const walker = options.walker ?? new TreeWalker(blobs);
  const { actionCacheHits, actionCacheMisses } = telemetry.metrics;

  const implementation = implementService(
    ActionCacheService,
    {
      getActionResult: unary(async (request, ctx) => {
        instanceNames.check(request.instanceName);
        const fn = requestDigestFunction(request.digestFunction, blobs.digestFunction);
        const actionDigest = parseRequestDigest(request.actionDigest, 'action_digest', fn);
        const result = await actionCache.get(actionDigest);
        if (result === undefined) {
          actionCacheMisses.add(1, { method: ctx.method });
          throw notFound(`no action result for action ${actionDigest}`);
        }
        actionCacheHits.add(1, { method: ctx.method });
        return inlineOutputs(result, request, blobs);
      }),

      updateActionResult: unary(async (request): Promise<ActionResult> => {
        instanceNames.check(request.instanceName);
        const fn = requestDigestFunction(request.digestFunction, blobs.digestFunction);
        const actionDigest = parseRequestDigest(request.actionDigest, 'action_digest', fn);
        if (request.actionResult === undefined) {
          throw invalidArgument('action_result is missing', [{ field: 'action_result', description: 'is missing' }]);
        }
        validateActionResult(request.actionResult, fn);
        const { result, inlineBlobs } = toStoredActionResult(request.actionResult, fn);
        await Promise.all(inlineBlobs.map((blob) => blobs.put(blob.digest, blob.data)));
        const check = await checkResultBlobs(result, blobs, walker);
        if (check.malformed.length > 0) throw invalidActionResult(check.malformed);
        if (check.missing.length > 0) throw missingBlobs(check.missing, fn.reapiValue as DigestFunction_Value);
        await actionCache.put(actionDigest, result);
        return result;
      }),
    },
    telemetry,
  );
  return { service: ActionCacheService, implementation };
}
