import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { MAX_BATCH_TOTAL_SIZE_BYTES } from '@actiond/cas-service';
import { InstanceNames } from '@actiond/reapi';
import {
  CapabilitiesClient,
  Compressor_Value,
  DigestFunction_Value,
  type ServerCapabilities,
  SymlinkAbsolutePathStrategy_Value,
} from '@actiond/proto';
import { ActiondError, BadRequestDetail } from '@actiond/status';
import { createRecordingTelemetry, type RecordingTelemetry } from '@actiond/telemetry';
import { createCapabilitiesService, type CapabilitiesServiceOptions } from './capabilities-service.ts';

/** A real server with the Capabilities service and a client for it. */
async function serve(options: Omit<CapabilitiesServiceOptions, 'telemetry'>) {
  const telemetry: RecordingTelemetry = await createRecordingTelemetry();
  const { service, implementation } = createCapabilitiesService({ ...options, telemetry });
  const server = new grpc.Server();
  server.addService(service, implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const client = new CapabilitiesClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return {
    get: (instanceName: string) =>
      new Promise<ServerCapabilities>((resolve, reject) =>
        client.getCapabilities({ instanceName }, (err, res) => (err ? reject(err) : resolve(res))),
      ),
    close: async () => {
      client.close();
      server.forceShutdown();
      await telemetry.shutdown();
    },
  };
}

/** Whether a client speaking `version` accepts the server's range, as Bazel decides it. */
function accepts(capabilities: ServerCapabilities, version: { major: number; minor: number }): boolean {
  const order = (v: { major: number; minor: number }) => v.major * 1000 + v.minor;
  const low = capabilities.deprecatedApiVersion ?? capabilities.lowApiVersion;
  const high = capabilities.highApiVersion;
  assert.ok(low && high, 'the API version range is set');
  return order(low) <= order(version) && order(version) <= order(high);
}

describe('Capabilities service of a cache-only server', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  before(async () => {
    server = await serve({ instanceNames: new InstanceNames(['', 'ci']) });
  });
  after(() => server.close());

  it('advertises the cache as implemented: SHA256, client writes to the AC, the CAS batch limit, zstd, absolute symlinks allowed', async () => {
    const { cacheCapabilities } = await server.get('');
    assert.ok(cacheCapabilities);
    assert.deepEqual(cacheCapabilities.digestFunctions, [DigestFunction_Value.SHA256]);
    assert.equal(cacheCapabilities.actionCacheUpdateCapabilities?.updateEnabled, true);
    assert.equal(cacheCapabilities.maxBatchTotalSizeBytes, MAX_BATCH_TOTAL_SIZE_BYTES);
    assert.equal(cacheCapabilities.symlinkAbsolutePathStrategy, SymlinkAbsolutePathStrategy_Value.ALLOWED);
    assert.deepEqual(cacheCapabilities.supportedCompressors, [Compressor_Value.ZSTD]);
    assert.deepEqual(cacheCapabilities.supportedBatchUpdateCompressors, [Compressor_Value.ZSTD]);
    assert.equal(cacheCapabilities.cachePriorityCapabilities, undefined, 'ResultsCachePolicy is not honoured');
    assert.equal(cacheCapabilities.splitBlobSupport, false);
    assert.equal(cacheCapabilities.spliceBlobSupport, false);
  });

  it('omits execution capabilities when no executor is composed', async () => {
    assert.equal((await server.get('')).executionCapabilities, undefined);
  });

  it('claims API versions 2.0 to 2.3, a range Bazel 4.2.3 (a 2.0 client) accepts', async () => {
    const capabilities = await server.get('ci');
    assert.deepEqual(capabilities.lowApiVersion, { major: 2, minor: 0, patch: 0, prerelease: '' });
    assert.deepEqual(capabilities.highApiVersion, { major: 2, minor: 3, patch: 0, prerelease: '' });
    assert.ok(accepts(capabilities, { major: 2, minor: 0 }));
    assert.ok(!accepts(capabilities, { major: 2, minor: 4 }));
  });

  it('rejects an unknown instance name with INVALID_ARGUMENT naming it and the served ones', async () => {
    const err = await server.get('prod').then(
      () => assert.fail('expected INVALID_ARGUMENT'),
      (e: unknown) => ActiondError.from(e),
    );
    assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
    assert.match(err.message, /unknown instance name "prod".*"", "ci"/);
    assert.deepEqual(err.findDetails(BadRequestDetail)[0]?.fieldViolations.map((v) => v.field), ['instance_name']);
  });
});

describe('Capabilities service of a server composed with an executor', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  before(async () => {
    server = await serve({
      instanceNames: InstanceNames.DEFAULT,
      execution: { priority: { min: -10, max: 10 }, supportedNodeProperties: ['unix_mode'] },
    });
  });
  after(() => server.close());

  it('advertises execution: enabled, SHA256 in both digest function fields, the priority range and node properties', async () => {
    const { executionCapabilities, cacheCapabilities } = await server.get('');
    assert.deepEqual(executionCapabilities, {
      digestFunction: DigestFunction_Value.SHA256,
      digestFunctions: [DigestFunction_Value.SHA256],
      execEnabled: true,
      executionPriorityCapabilities: { priorities: [{ minPriority: -10, maxPriority: 10 }] },
      supportedNodeProperties: ['unix_mode'],
    });
    assert.ok(cacheCapabilities, 'an executing server is a cache too');
  });

  it('refuses at construction a priority range that is empty or leaves out the default 0', () => {
    for (const priority of [{ min: 1, max: 5 }, { min: -5, max: -1 }, { min: 3, max: -3 }, { min: 0.5, max: 1 }]) {
      assert.throws(
        () => createCapabilitiesService({ instanceNames: InstanceNames.DEFAULT, telemetry: undefined as never, execution: { priority, supportedNodeProperties: [] } }),
        /execution priority range .* must be integers with min <= 0 <= max/,
      );
    }
  });
});
