/**
 * @actiond/capabilities: the REAPI Capabilities service, which tells clients
 * what this server supports. createCapabilitiesService is what the cmd
 * registers; pass `execution` only when the Execution service is served too.
 */
export {
  createCapabilitiesService,
  type CapabilitiesServiceOptions,
  type CapabilitiesServiceRegistration,
} from './capabilities-service.ts';
export { buildServerCapabilities, type ExecutionOffer } from './server-capabilities.ts';
export { HIGH_API_VERSION, LOW_API_VERSION } from './api-versions.ts';
