import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytestream, CapabilitiesService } from '@actiond/proto';
import { createNoopTelemetry } from '@actiond/telemetry';
import { ActiondError } from '@actiond/status';
import { clientStreaming } from './client-streaming-method.ts';
import { serverStreaming } from './server-streaming-method.ts';
import { implementService, type ServiceHandlers } from './service-implementation.ts';
import { unary } from './unary-method.ts';

const telemetry = createNoopTelemetry();
const unimplemented = async () => {
  throw ActiondError.unimplemented('test');
};

describe('implementService', () => {
  it('maps each method name to a grpc-js handler function', () => {
    const implementation = implementService(
      bytestream.ByteStreamService,
      { read: serverStreaming(unimplemented), write: clientStreaming(unimplemented), queryWriteStatus: unary(unimplemented) },
      telemetry,
    );
    assert.deepEqual(Object.keys(implementation).sort(), ['queryWriteStatus', 'read', 'write']);
    assert.ok(Object.values(implementation).every((h) => typeof h === 'function'));
  });

  it('rejects a handler of the wrong kind, naming the method', () => {
    const handlers = { read: unary(unimplemented), write: clientStreaming(unimplemented), queryWriteStatus: unary(unimplemented) };
    assert.throws(
      () => implementService(bytestream.ByteStreamService, handlers as unknown as ServiceHandlers<typeof bytestream.ByteStreamService>, telemetry),
      new Error('/google.bytestream.ByteStream/Read is server-streaming but its handler is unary'),
    );
  });

  it('rejects a missing handler, naming the method', () => {
    assert.throws(
      () => implementService(CapabilitiesService, {} as ServiceHandlers<typeof CapabilitiesService>, telemetry),
      new Error('/build.bazel.remote.execution.v2.Capabilities/GetCapabilities: no handler given for getCapabilities'),
    );
  });

  it('types handlers from the service definition', () => {
    implementService(
      CapabilitiesService,
      {
        // @ts-expect-error the response must be a ServerCapabilities
        getCapabilities: unary(async (request) => {
          const instanceName: string = request.instanceName; // the request type comes from the definition
          return { instanceName };
        }),
      },
      telemetry,
    );
    assert.throws(() =>
      implementService(
        CapabilitiesService,
        // @ts-expect-error GetCapabilities is unary, not server-streaming
        { getCapabilities: serverStreaming(unimplemented) },
        telemetry,
      ),
    );
  });
});
