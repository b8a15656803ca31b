import type { BlobAccess } from '@actiond/blobstore';
import type { DigestFunction } from '@actiond/digest';
import type { ActiondMetrics, MethodAttributes } from '@actiond/telemetry';
import { type InstanceNames, requestDigestFunction } from '@actiond/reapi';

/** What every CAS and ByteStream handler works with; built once by createCasServices. */
export interface CasDependencies {
  /** The store; its digest function is the only one served. */
  readonly blobs: BlobAccess;
  /** The instance names served. */
  readonly instanceNames: InstanceNames;
  /** Where bytes and blobs are counted. */
  readonly metrics: ActiondMetrics;
}

/**
 * The checks every ContentAddressableStorage request starts with: a served
 * instance name and a supported digest function (INVALID_ARGUMENT
 * otherwise). Returns the digest function to parse the request's digests with.
 */
export function checkCasRequest(request: { readonly instanceName: string; readonly digestFunction: number }, deps: CasDependencies): DigestFunction {
  deps.instanceNames.check(request.instanceName);
  return requestDigestFunction(request.digestFunction, deps.blobs.digestFunction);
}

/** The metric labels of a call. */
export function methodAttributes(method: string): MethodAttributes {
  return { method };
}
