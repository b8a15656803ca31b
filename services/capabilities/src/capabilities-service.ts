import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { InstanceNames } from '@actiond/reapi';
import { CapabilitiesService } from '@actiond/proto';
import { implementService, unary } from '@actiond/rpc';
import type { Telemetry } from '@actiond/telemetry';
import { buildServerCapabilities, type ExecutionOffer } from './server-capabilities.ts';

/** What {@link createCapabilitiesService} needs. */
export interface CapabilitiesServiceOptions {
  /** The instance names served; GetCapabilities for any other is INVALID_ARGUMENT. */
  readonly instanceNames: InstanceNames;
  /** Where calls are counted. */
  readonly telemetry: Telemetry;
  /** Present exactly when the server also serves Execution; see ExecutionOffer. */
  readonly execution?: ExecutionOffer;
}

/** The definition and handlers to pass to `server.addService`. */
export interface CapabilitiesServiceRegistration {
  readonly service: typeof CapabilitiesService;
  readonly implementation: UntypedServiceImplementation;
}

/**
 * The REAPI Capabilities service: the same ServerCapabilities (see
 * buildServerCapabilities) for every served instance name, INVALID_ARGUMENT
 * naming the served ones for any other. The answer is built once, so a bad
 * ExecutionOffer fails here, at startup, not on the first call.
 */
export function createCapabilitiesService(options: CapabilitiesServiceOptions): CapabilitiesServiceRegistration {
  const { instanceNames, telemetry } = options;
  const capabilities = buildServerCapabilities(options.execution);
  const implementation = implementService(
    CapabilitiesService,
    {
      getCapabilities: unary(async (request) => {
        instanceNames.check(request.instanceName);
        return capabilities;
      }),
    },
    telemetry,
  );
  return { service: CapabilitiesService, implementation };
}
