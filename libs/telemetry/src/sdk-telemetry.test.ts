import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { createTelemetry } from './sdk-telemetry.ts';

const loopback = { host: '127.0.0.1', port: 0 };

async function scrape(port: number, path = '/metrics'): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.text() };
}

describe('createTelemetry with a metrics listener', () => {
  it('serves an incremented counter on /metrics at the port bound for port 0', async () => {
    const telemetry = await createTelemetry({ serviceName: 'actiond-test', version: '1.2.3', metricsListen: loopback });
    try {
      const address = telemetry.metricsAddress;
      assert.ok(address !== undefined);
      assert.equal(address.host, '127.0.0.1');
      assert.notEqual(address.port, 0);
      telemetry.metrics.bytesIn.add(42, { method: 'google.bytestream.ByteStream/Write' });
      telemetry.metrics.bytesIn.add(8, { method: 'google.bytestream.ByteStream/Write' });
      const { status, body } = await scrape(address.port);
      assert.equal(status, 200);
      assert.match(body, /^actiond_bytes_received_total\{method="google\.bytestream\.ByteStream\/Write".*\} 50$/m);
      assert.match(body, /service_name="actiond-test",service_version="1\.2\.3"/);
    } finally {
      await telemetry.shutdown();
    }
  });

  it('answers 404 outside /metrics', async () => {
    const telemetry = await createTelemetry({ serviceName: 'actiond-test', version: '0', metricsListen: loopback });
    try {
      const { status } = await scrape(telemetry.metricsAddress!.port, '/');
      assert.equal(status, 404);
    } finally {
      await telemetry.shutdown();
    }
  });

  it('closes the metrics port on shutdown, and a second shutdown is harmless', async () => {
    const telemetry = await createTelemetry({ serviceName: 'actiond-test', version: '0', metricsListen: loopback });
    const port = telemetry.metricsAddress!.port;
    assert.equal((await scrape(port)).status, 200);
    await telemetry.shutdown();
    await assert.rejects(scrape(port), TypeError); // fetch reports ECONNREFUSED as "fetch failed"
    await telemetry.shutdown();
  });

  it('rejects naming the address when the metrics port is already taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await assert.rejects(
        createTelemetry({ serviceName: 'actiond-test', version: '0', metricsListen: { host: '127.0.0.1', port } }),
        new RegExp(`cannot serve /metrics on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`),
      );
    } finally {
      blocker.close();
    }
  });
});

describe('createTelemetry without exporters', () => {
  it('opens no listener and reports no metrics address', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
    const telemetry = await createTelemetry({ serviceName: 'actiond-test', version: '0' });
    const after = process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
    assert.equal(telemetry.metricsAddress, undefined);
    assert.equal(after, before);
    assert.equal(telemetry.tracer.startSpan('x').isRecording(), false);
    telemetry.metrics.rpcCalls.add(1, { method: 'a/b', code: 'OK' });
    await telemetry.shutdown();
  });

  it('rejects an empty service name', async () => {
    await assert.rejects(createTelemetry({ serviceName: '', version: '0' }), /serviceName must not be empty/);
  });

  it('rejects a malformed OTLP endpoint before opening the metrics port', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
    await assert.rejects(
      createTelemetry({ serviceName: 'actiond-test', version: '0', metricsListen: loopback, otlpEndpoint: 'collector:4317' }),
      /otlpEndpoint: expected http:\/\/HOST:PORT or https:\/\/HOST:PORT, got "collector:4317"/,
    );
    assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length, before);
  });
});

/** A stand-in OTLP collector: accepts Export calls of both services and keeps the raw request bytes. */
async function startFakeCollector(): Promise<{ port: number; traces: Buffer[]; metrics: Buffer[]; stop(): void }> {
  const traces: Buffer[] = [];
  const metrics: Buffer[] = [];
  const raw = (b: Buffer) => b;
  const exportMethod = (path: string) => ({
    export: {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: raw,
      requestDeserialize: raw,
      responseSerialize: raw,
      responseDeserialize: raw,
    },
  });
  const keep =
    (into: Buffer[]): grpc.handleUnaryCall<Buffer, Buffer> =>
    (call, callback) => {
      into.push(call.request);
      callback(null, Buffer.alloc(0)); // an empty Export*ServiceResponse: everything accepted
    };
  const server = new grpc.Server();
  server.addService(exportMethod('/opentelemetry.proto.collector.trace.v1.TraceService/Export'), { export: keep(traces) });
  server.addService(exportMethod('/opentelemetry.proto.collector.metrics.v1.MetricsService/Export'), { export: keep(metrics) });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { port, traces, metrics, stop: () => server.forceShutdown() };
}

// Protobuf stores strings as raw UTF-8, so finding a name in the request bytes
// proves it was exported without decoding the OTLP schema here.
const contains = (buffers: Buffer[], text: string) => buffers.some((b) => b.includes(text));

describe('createTelemetry with an OTLP collector', () => {
  it('exports spans and metrics to otlpEndpoint when shut down', async () => {
    const collector = await startFakeCollector();
    try {
      const telemetry = await createTelemetry({
        serviceName: 'actiond-otlp-test',
        version: '0',
        otlpEndpoint: `http://127.0.0.1:${collector.port}`,
      });
      assert.equal(telemetry.metricsAddress, undefined);
      telemetry.tracer.startSpan('google.bytestream.ByteStream/Read').end();
      telemetry.metrics.blobsRead.add(3, { method: 'google.bytestream.ByteStream/Read' });
      await telemetry.shutdown();
      assert.ok(contains(collector.traces, 'google.bytestream.ByteStream/Read'), 'span reached the collector');
      assert.ok(contains(collector.traces, 'actiond-otlp-test'), 'service.name travelled with the span');
      assert.ok(contains(collector.metrics, 'actiond.cas.blobs.read'), 'counter reached the collector');
    } finally {
      collector.stop();
    }
  });

  it('takes the collector from OTEL_EXPORTER_OTLP_ENDPOINT in the env it is given', async () => {
    const collector = await startFakeCollector();
    try {
      const telemetry = await createTelemetry({
        serviceName: 'actiond-otlp-test',
        version: '0',
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}` },
      });
      telemetry.tracer.startSpan('from-env').end();
      await telemetry.shutdown();
      assert.ok(contains(collector.traces, 'from-env'));
    } finally {
      collector.stop();
    }
  });
});

describe('createTelemetry idle cost', () => {
  it('loads nothing but @opentelemetry/api when neither metrics nor OTLP is configured', async () => {
    // A fresh process, since this one has long loaded the SDK for other tests;
    // a resolve hook lists every package the telemetry entry point pulls in.
    const script = `
      import { registerHooks } from 'node:module';
      const seen = [];
      registerHooks({ resolve(specifier, context, next) { seen.push(specifier); return next(specifier, context); } });
      const { createTelemetry } = await import(${JSON.stringify(new URL('./index.ts', import.meta.url).href)});
      const telemetry = await createTelemetry({ serviceName: 'idle', version: '0' });
      telemetry.metrics.bytesIn.add(1, { method: 'a/b' });
      telemetry.tracer.startSpan('x').end();
      await telemetry.shutdown();
      console.log(JSON.stringify(seen.filter((s) => s.startsWith('@opentelemetry/') || s.startsWith('node:'))));
    `;
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    const loaded: string[] = JSON.parse(out);
    assert.ok(loaded.includes('@opentelemetry/api'), `the hook saw the imports: ${out}`);
    assert.deepEqual(
      loaded.filter((s) => s !== '@opentelemetry/api' && !s.startsWith('./')),
      [],
      'only @opentelemetry/api is loaded',
    );
  });
});
