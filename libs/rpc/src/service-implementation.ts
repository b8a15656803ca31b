import type { MethodDefinition, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Telemetry } from '@actiond/telemetry';
import type {
  BidiStreamingMethod,
  ClientStreamingMethod,
  RpcMethod,
  ServerStreamingMethod,
  UnaryMethod,
} from './rpc-method.ts';

type RequestOf<M> = M extends { requestDeserialize: (bytes: Buffer) => infer Req } ? Req : never;
type ResponseOf<M> = M extends { responseSerialize: (value: infer Res) => Buffer } ? Res : never;

/** The adapter kind a method definition needs, from its requestStream/responseStream flags. */
export type MethodFor<M> = M extends { requestStream: false; responseStream: false }
  ? UnaryMethod<RequestOf<M>, ResponseOf<M>>
  : M extends { requestStream: false; responseStream: true }
    ? ServerStreamingMethod<RequestOf<M>, ResponseOf<M>>
    : M extends { requestStream: true; responseStream: false }
      ? ClientStreamingMethod<RequestOf<M>, ResponseOf<M>>
      : BidiStreamingMethod<RequestOf<M>, ResponseOf<M>>;

/** One adapted handler per method of service `D`, keyed like `D` (`getCapabilities`, `read`, ...). */
export type ServiceHandlers<D extends ServiceDefinition> = { readonly [K in keyof D]: MethodFor<D[K]> };

function kindOf(definition: MethodDefinition<unknown, unknown>): RpcMethod<unknown, unknown>['kind'] {
  if (definition.requestStream) return definition.responseStream ? 'bidi-streaming' : 'client-streaming';
  return definition.responseStream ? 'server-streaming' : 'unary';
}

/**
 * Builds what `server.addService(definition, ...)` takes from a ts-proto
 * service definition and one adapted handler per method (unary(),
 * serverStreaming(), clientStreaming(), bidiStreaming()). Every call then
 * gets a span, the rpc counter and duration histogram on `telemetry`, and
 * exactly one status.
 *
 * Throws when a method has no handler or one of the wrong kind; TypeScript
 * catches both, this guards untyped callers. A method a service does not
 * support still gets a handler that throws unimplemented(...), so the
 * decision is visible in the service's code.
 */
export function implementService<D extends ServiceDefinition>(
  definition: D,
  handlers: ServiceHandlers<D>,
  telemetry: Telemetry,
): UntypedServiceImplementation {
  const implementation: UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(definition) as [string, MethodDefinition<unknown, unknown>][]) {
    const handler = (handlers as Record<string, RpcMethod<unknown, unknown> | undefined>)[name];
    const expected = kindOf(method);
    if (handler === undefined) throw new Error(`${method.path}: no handler given for ${name}`);
    if (handler.kind !== expected) throw new Error(`${method.path} is ${expected} but its handler is ${handler.kind}`);
    implementation[name] = handler.bind(method.path.replace(/^\//, ''), telemetry);
  }
  return implementation;
}
