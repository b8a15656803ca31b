import assert from 'node:assert/strict';
import { connect, type ClientHttp2Session } from 'node:http2';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import {
  CapabilitiesClient,
  CapabilitiesService,
  bytestream,
  type GetCapabilitiesRequest,
  type ServerCapabilities,
} from '@actiond/proto';
import { GrpcHttp2Proxy, type UpstreamSessions } from './grpc-http2-proxy.ts';

// The proxy between a real grpc-js client and a real grpc-js server standing
// in for the guest worker.

interface Guest {
  readonly server: grpc.Server;
  readonly port: number;
  /** Metadata of the last GetCapabilities call. */
  lastMetadata?: grpc.Metadata;
  /** Set when a Read call saw its client cancel. */
  cancelledRead: Promise<void>;
  /** Unblocks the Read call that waits for a cancel. */
  onHang?: () => void;
}

async function startGuest(): Promise<Guest> {
  const server = new grpc.Server();
  let cancelled!: () => void;
  const guest = { server, port: 0, cancelledRead: new Promise<void>((r) => (cancelled = r)) } as Guest & { port: number };
  server.addService(CapabilitiesService, {
    getCapabilities: (call: grpc.ServerUnaryCall<GetCapabilitiesRequest, ServerCapabilities>, callback: grpc.sendUnaryData<ServerCapabilities>) => {
      guest.lastMetadata = call.metadata;
      if (call.request.instanceName === 'missing') {
        callback({ code: status.NOT_FOUND, details: 'no instance named missing, sorry: 100% sure' });
        return;
      }
      const trailer = new grpc.Metadata();
      trailer.set('x-guest', 'yes');
      callback(null, { lowApiVersion: { major: 2, minor: 0, patch: 0, prerelease: '' } } as ServerCapabilities, trailer);
    },
  });
  server.addService(bytestream.ByteStreamService, {
    read: (call: grpc.ServerWritableStream<bytestream.ReadRequest, bytestream.ReadResponse>) => {
      if (call.request.resourceName === 'hang') {
        call.on('cancelled', () => cancelled());
        guest.onHang?.();
        return;
      }
      for (let i = 0; i < 5; i++) call.write({ data: Buffer.alloc(300_000, i) });
      call.end();
    },
    write: (call: grpc.ServerReadableStream<bytestream.WriteRequest, bytestream.WriteResponse>, callback: grpc.sendUnaryData<bytestream.WriteResponse>) => {
      let size = 0;
      call.on('data', (r: bytestream.WriteRequest) => (size += r.data.length));
      call.on('end', () => callback(null, { committedSize: size }));
    },
  });
  guest.port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return guest;
}

/** Upstream sessions to the guest server, or the reason there is none. */
class TestUpstream implements UpstreamSessions {
  current: ClientHttp2Session | undefined;
  down: string | undefined;
  readonly #port: number;
  constructor(port: number) {
    this.#port = port;
  }
  async session(): Promise<ClientHttp2Session> {
    if (this.down !== undefined) throw new Error(this.down);
    if (this.current === undefined || this.current.destroyed) {
      this.current = connect(`http://127.0.0.1:${this.#port}`);
      this.current.on('error', () => undefined);
    }
    return this.current;
  }
}

function unary<Req, Res>(fn: (req: Req, md: grpc.Metadata, cb: (e: grpc.ServiceError | null, r: Res) => void) => grpc.ClientUnaryCall, req: Req, md = new grpc.Metadata()): Promise<Res> {
  return new Promise((resolve, reject) => fn(req, md, (e, r) => (e ? reject(e) : resolve(r))));
}

describe('GrpcHttp2Proxy', () => {
  let guest: Guest;
  let upstream: TestUpstream;
  let proxy: GrpcHttp2Proxy;
  let address: string;
  before(async () => {
    guest = await startGuest();
    upstream = new TestUpstream(guest.port);
    proxy = new GrpcHttp2Proxy({ upstream, waitForGuestMs: 1000 });
    address = `127.0.0.1:${await proxy.listen('127.0.0.1', 0)}`;
  });
  after(async () => {
    await proxy.close(0);
    guest.server.forceShutdown();
  });

  test('forwards a unary call with its metadata, and the answer with its trailers', async () => {
    const client = new CapabilitiesClient(address, grpc.credentials.createInsecure());
    try {
      const md = new grpc.Metadata();
      md.set('x-request', 'from bazel');
      md.set('build.bazel.remote.execution.v2.requestmetadata-bin', Buffer.from([0, 1, 2, 255]));
      let trailers: grpc.Metadata | undefined;
      const answer = await new Promise<ServerCapabilities>((resolve, reject) => {
        const call = client.getCapabilities({ instanceName: '' }, md, (e, r) => (e ? reject(e) : resolve(r)));
        call.on('status', (s) => (trailers = s.metadata));
      });
      assert.equal(answer.lowApiVersion?.major, 2);
      assert.deepEqual(guest.lastMetadata?.get('x-request'), ['from bazel']);
      assert.deepEqual(guest.lastMetadata?.get('build.bazel.remote.execution.v2.requestmetadata-bin'), [Buffer.from([0, 1, 2, 255])]);
      assert.deepEqual(trailers?.get('x-guest'), ['yes']);
    } finally {
      client.close();
    }
  });

  test('passes the guest\'s error status and message through unchanged', async () => {
    const client = new CapabilitiesClient(address, grpc.credentials.createInsecure());
    try {
      await assert.rejects(unary(client.getCapabilities.bind(client), { instanceName: 'missing' }), (e: grpc.ServiceError) => {
        assert.equal(e.code, status.NOT_FOUND);
        assert.equal(e.details, 'no instance named missing, sorry: 100% sure');
        return true;
      });
    } finally {
      client.close();
    }
  });

  test('forwards server- and client-streaming calls with their flow control', async () => {
    const client = new bytestream.ByteStreamClient(address, grpc.credentials.createInsecure());
    try {
      const chunks: Buffer[] = [];
      await new Promise<void>((resolve, reject) => {
        const call = client.read({ resourceName: 'blob', readOffset: 0, readLimit: 0 });
        call.on('data', (r: bytestream.ReadResponse) => chunks.push(r.data));
        call.on('end', resolve);
        call.on('error', reject);
      });
      assert.equal(chunks.length, 5);
      assert.ok(chunks.every((c, i) => c.length === 300_000 && c.every((b) => b === i)));

      const written = await new Promise<bytestream.WriteResponse>((resolve, reject) => {
        const call = client.write((e, r) => (e ? reject(e) : resolve(r!)));
        for (let i = 0; i < 20; i++) call.write({ resourceName: 'r', writeOffset: i * 500_000, finishWrite: i === 19, data: Buffer.alloc(500_000) });
        call.end();
      });
      assert.equal(written.committedSize, 10_000_000);
    } finally {
      client.close();
    }
  });

  test('answers UNAVAILABLE with the reason when there is no guest to forward to', async () => {
    upstream.down = 'the actiond VM is restarting after: killed';
    const client = new CapabilitiesClient(address, grpc.credentials.createInsecure());
    try {
      await assert.rejects(unary(client.getCapabilities.bind(client), { instanceName: '' }), (e: grpc.ServiceError) => {
        assert.equal(e.code, status.UNAVAILABLE);
        assert.equal(e.details, 'the actiond VM is restarting after: killed');
        return true;
      });
    } finally {
      upstream.down = undefined;
      client.close();
    }
  });

  test('a guest that goes away mid-call ends the call UNAVAILABLE', async () => {
    const client = new bytestream.ByteStreamClient(address, grpc.credentials.createInsecure());
    try {
      guest.onHang = () => upstream.current?.destroy();
      await assert.rejects(
        new Promise<void>((resolve, reject) => {
          const call = client.read({ resourceName: 'hang', readOffset: 0, readLimit: 0 });
          call.on('data', () => undefined);
          call.on('end', resolve);
          call.on('error', reject);
        }),
        (e: grpc.ServiceError) => {
          assert.equal(e.code, status.UNAVAILABLE);
          assert.match(e.details, /actiond VM/);
          return true;
        },
      );
    } finally {
      guest.onHang = undefined;
      client.close();
    }
  });

  test('a client\'s cancel reaches the guest as a cancelled call', async () => {
    const client = new bytestream.ByteStreamClient(address, grpc.credentials.createInsecure());
    try {
      await new Promise<void>((resolve) => {
        guest.onHang = resolve;
        const call = client.read({ resourceName: 'hang', readOffset: 0, readLimit: 0 });
        call.on('error', () => undefined);
        guest.onHang = () => {
          call.cancel();
          resolve();
        };
      });
      await guest.cancelledRead;
    } finally {
      guest.onHang = undefined;
      client.close();
    }
  });
});
