import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import {
  ActionCacheClient,
  ActionResult,
  CapabilitiesClient,
  ContentAddressableStorageClient,
  Directory,
  UpdateActionResultRequest,
  bytestream,
  type BatchUpdateBlobsRequest,
  type BatchUpdateBlobsResponse,
  type Digest,
  type FindMissingBlobsRequest,
  type FindMissingBlobsResponse,
  type GetActionResultRequest,
  type GetCapabilitiesRequest,
  type ServerCapabilities,
} from '@actiond/proto';
import { parseCommandLine } from '@actiond/cli';
import { linuxActiondCli } from './command-line.ts';
import { serve } from './serve.ts';

// The composed server: every cache service answers on the one --listen port,
// over the stores under --root, and state survives a restart on the same root.

function digestOf(data: Buffer): Digest {
  return { hash: createHash('sha256').update(data).digest('hex'), sizeBytes: data.length };
}

/** A unary call as a promise; `Res` is spelled out because the generated methods are overloaded. */
function call<Req, Res>(fn: (req: Req, cb: (e: grpc.ServiceError | null, r: Res) => void) => unknown, req: Req): Promise<Res> {
  return new Promise((resolve, reject) => fn(req, (e, r) => (e ? reject(e) : resolve(r))));
}

interface Running {
  address: string;
  stop: () => Promise<number>;
}

async function startServe(root: string, extraArgs: string[] = []): Promise<Running> {
  const parsed = parseCommandLine(linuxActiondCli, ['serve', '--listen=127.0.0.1:0', `--root=${root}`, ...extraArgs]);
  assert.equal(parsed.kind, 'run');
  if (parsed.kind !== 'run') throw new Error('unreachable');
  let requestStop!: (signal: string) => void;
  const stopRequested = new Promise<string>((r) => (requestStop = r));
  let onPort!: (port: number) => void;
  const listening = new Promise<number>((r) => (onPort = r));
  const exited = serve(parsed.flags, { env: {}, log: () => {}, stopRequested, onListening: onPort });
  const port = await Promise.race([listening, exited.then((code) => Promise.reject(new Error(`serve exited ${code}`)))]);
  return {
    address: `127.0.0.1:${port}`,
    stop: () => {
      requestStop('SIGTERM');
      return exited;
    },
  };
}

describe('serve', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'actiond-serve-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('serves Capabilities, CAS, ByteStream and ActionCache on one port, and keeps state across a restart', async () => {
    const blob = Buffer.from('hello actiond\n');
    const blobDigest = digestOf(blob);
    const tree = Directory.encode(
      Directory.fromPartial({ files: [{ name: 'hello.txt', digest: blobDigest, isExecutable: false }] }),
    ).finish();
    const treeDigest = digestOf(Buffer.from(tree));
    const actionDigest = digestOf(Buffer.from('an action'));

    const first = await startServe(root);
    const credentials = grpc.credentials.createInsecure();
    const caps = new CapabilitiesClient(first.address, credentials);
    const cas = new ContentAddressableStorageClient(first.address, credentials);
    const ac = new ActionCacheClient(first.address, credentials);
    const bs = new bytestream.ByteStreamClient(first.address, credentials);
    try {
      const capabilities = await call<GetCapabilitiesRequest, ServerCapabilities>(caps.getCapabilities.bind(caps), { instanceName: '' });
      assert.ok(capabilities.cacheCapabilities?.actionCacheUpdateCapabilities?.updateEnabled);

      const updated = await call<BatchUpdateBlobsRequest, BatchUpdateBlobsResponse>(cas.batchUpdateBlobs.bind(cas), {
        instanceName: '',
        requests: [
          { digest: blobDigest, data: blob, compressor: 0 },
          { digest: treeDigest, data: Buffer.from(tree), compressor: 0 },
        ],
        digestFunction: 0,
      });
      assert.deepEqual(updated.responses.map((r) => r.status?.code), [0, 0]);

      const missing = await call<FindMissingBlobsRequest, FindMissingBlobsResponse>(cas.findMissingBlobs.bind(cas), {
        instanceName: '',
        blobDigests: [blobDigest, actionDigest],
        digestFunction: 0,
      });
      assert.deepEqual(missing.missingBlobDigests.map((d) => d.hash), [actionDigest.hash]);

      const chunks: Buffer[] = [];
      await new Promise<void>((resolve, reject) => {
        const stream = bs.read({ resourceName: `blobs/${blobDigest.hash}/${blobDigest.sizeBytes}`, readOffset: 0, readLimit: 0 });
        stream.on('data', (r: { data: Buffer }) => chunks.push(r.data));
        stream.on('end', resolve);
        stream.on('error', reject);
      });
      assert.deepEqual(Buffer.concat(chunks), blob);

      const result = ActionResult.fromPartial({ exitCode: 0, outputFiles: [{ path: 'hello.txt', digest: blobDigest }] });
      await call<UpdateActionResultRequest, ActionResult>(
        ac.updateActionResult.bind(ac),
        UpdateActionResultRequest.fromPartial({ actionDigest, actionResult: result }),
      );
    } finally {
      for (const client of [caps, cas, ac, bs]) client.close();
      assert.equal(await first.stop(), 0);
    }

    const second = await startServe(root);
    const ac2 = new ActionCacheClient(second.address, credentials);
    try {
      const got = await call<GetActionResultRequest, ActionResult>(ac2.getActionResult.bind(ac2), {
        instanceName: '',
        actionDigest,
        inlineStdout: false,
        inlineStderr: false,
        inlineOutputFiles: [],
        digestFunction: 0,
      });
      assert.equal(got.outputFiles[0]?.digest?.hash, blobDigest.hash);
    } finally {
      ac2.close();
      assert.equal(await second.stop(), 0);
    }
  });

  test('an instance name given with --instance-name is served, and only those', async () => {
    const running = await startServe(root, ['--instance-name=main']);
    const caps = new CapabilitiesClient(running.address, grpc.credentials.createInsecure());
    try {
      await call<GetCapabilitiesRequest, ServerCapabilities>(caps.getCapabilities.bind(caps), { instanceName: 'main' });
      await assert.rejects(call<GetCapabilitiesRequest, ServerCapabilities>(caps.getCapabilities.bind(caps), { instanceName: '' }), (e: grpc.ServiceError) => {
        assert.equal(e.code, grpc.status.INVALID_ARGUMENT);
        assert.match(e.details, /unknown instance name/);
        return true;
      });
    } finally {
      caps.close();
      assert.equal(await running.stop(), 0);
    }
  });
});
