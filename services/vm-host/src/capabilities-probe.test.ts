import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import { describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { CapabilitiesService, type GetCapabilitiesRequest, type ServerCapabilities } from '@actiond/proto';
import { probeCapabilities } from './capabilities-probe.ts';

async function serverWith(register: (server: grpc.Server) => void): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server();
  register(server);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { server, port };
}

describe('probeCapabilities', () => {
  test('resolves when GetCapabilities answers OK', async () => {
    const { server, port } = await serverWith((s) =>
      s.addService(CapabilitiesService, {
        getCapabilities: (_c: grpc.ServerUnaryCall<GetCapabilitiesRequest, ServerCapabilities>, cb: grpc.sendUnaryData<ServerCapabilities>) => cb(null, {} as ServerCapabilities),
      }),
    );
    const session = connect(`http://127.0.0.1:${port}`);
    try {
      await probeCapabilities(session, new AbortController().signal);
    } finally {
      session.close();
      server.forceShutdown();
    }
  });

  test('rejects with the status when the server does not serve Capabilities', async () => {
    const { server, port } = await serverWith(() => undefined);
    const session = connect(`http://127.0.0.1:${port}`);
    try {
      await assert.rejects(probeCapabilities(session, new AbortController().signal), /GetCapabilities answered grpc-status 12/);
    } finally {
      session.close();
      server.forceShutdown();
    }
  });
});
