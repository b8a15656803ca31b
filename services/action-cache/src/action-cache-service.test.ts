import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { DiskBlobAccess, DiskKeyValueStore } from '@actiond/blobstore';
import { InstanceNames } from '@actiond/reapi';
import { type Digest, SHA256 } from '@actiond/digest';
import {
  ActionCacheClient,
  ActionResult,
  type DeepPartial,
  DigestFunction_Value,
  type GetActionResultRequest,
  Tree,
  type UpdateActionResultRequest,
} from '@actiond/proto';
import { ActiondError, BadRequestDetail, PreconditionFailureDetail } from '@actiond/status';
import { createRecordingTelemetry, type RecordingTelemetry } from '@actiond/telemetry';
import { createActionCacheService } from './action-cache-service.ts';
import { CompletenessCheckingActionCache } from './completeness-checking-action-cache.ts';
import { DiskActionCache } from './disk-action-cache.ts';
import { MAX_INLINE_BYTES } from './inline-outputs.ts';

const GET = 'build.bazel.remote.execution.v2.ActionCache/GetActionResult';
const msg = (d: Digest) => ({ hash: d.hash, sizeBytes: d.sizeBytes });

describe('ActionCache service', () => {
  let dir: string;
  let blobs: DiskBlobAccess;
  let stored: DiskActionCache;
  let telemetry: RecordingTelemetry;
  let server: grpc.Server;
  let client: ActionCacheClient;

  const put = async (data: string | Buffer) => {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
    const digest = SHA256.compute(bytes);
    await blobs.put(digest, bytes);
    return digest;
  };
  let actions = 0;
  /** A fresh action digest per test, so tests do not see each other's entries. */
  const newAction = () => SHA256.compute(Buffer.from(`action ${actions++}`));
  const get = (request: Partial<GetActionResultRequest>) =>
    new Promise<ActionResult>((resolve, reject) =>
      client.getActionResult({ instanceName: '', inlineStdout: false, inlineStderr: false, inlineOutputFiles: [], digestFunction: 0, actionDigest: undefined, ...request }, (err, res) => (err ? reject(err) : resolve(res))),
    );
  const update = (request: Partial<UpdateActionResultRequest>) =>
    new Promise<ActionResult>((resolve, reject) =>
      client.updateActionResult({ instanceName: '', actionDigest: undefined, actionResult: undefined, resultsCachePolicy: undefined, digestFunction: 0, ...request }, (err, res) => (err ? reject(err) : resolve(res))),
    );
  /** The ActiondError a call rejected with, checked to have `code`. */
  const failure = async (call: Promise<unknown>, code: grpc.status): Promise<ActiondError> => {
    const err = await call.then(
      () => assert.fail(`expected ${grpc.status[code]}`),
      (e: unknown) => ActiondError.from(e),
    );
    assert.equal(err.code, code, `${err.codeName}: ${err.message}`);
    return err;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ac-service-'));
    blobs = await DiskBlobAccess.open({ directory: join(dir, 'cas') });
    stored = new DiskActionCache(await DiskKeyValueStore.open({ directory: join(dir, 'ac') }));
    telemetry = await createRecordingTelemetry();
    const { service, implementation } = createActionCacheService({
      actionCache: new CompletenessCheckingActionCache(stored, { blobs, completeForMs: 0 }),
      blobs,
      instanceNames: new InstanceNames(['', 'main']),
      telemetry,
    });
    server = new grpc.Server();
    server.addService(service, implementation);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    client = new ActionCacheClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });
  after(async () => {
    client.close();
    server.forceShutdown();
    await telemetry.shutdown();
    await rm(dir, { recursive: true, force: true });
  });

  describe('GetActionResult', () => {
    it('returns a stored result whose blobs are in the CAS and counts a hit', async () => {
      const action = newAction();
      const result = ActionResult.fromPartial({ exitCode: 0, outputFiles: [{ path: 'a.o', digest: msg(await put('object')) }] });
      await stored.put(action, result);
      const hits = await telemetry.counterValue('actiond.action_cache.hits', { method: GET });
      assert.deepEqual(await get({ actionDigest: msg(action), instanceName: 'main' }), result);
      assert.equal(await telemetry.counterValue('actiond.action_cache.hits', { method: GET }), hits + 1);
    });

    it('is NOT_FOUND naming the action digest when there is no entry, and counts a miss', async () => {
      const action = newAction();
      const misses = await telemetry.counterValue('actiond.action_cache.misses', { method: GET });
      const err = await failure(get({ actionDigest: msg(action) }), grpc.status.NOT_FOUND);
      assert.match(err.message, new RegExp(`^no action result for action ${action.hash}/${action.sizeBytes}$`));
      assert.equal(await telemetry.counterValue('actiond.action_cache.misses', { method: GET }), misses + 1);
    });

    it('is NOT_FOUND when the entry refers to a blob no longer in the CAS, so the client runs the action again', async () => {
      const action = newAction();
      const gone = SHA256.compute(Buffer.from('evicted output'));
      await stored.put(action, ActionResult.fromPartial({ outputFiles: [{ path: 'a.o', digest: msg(gone) }] }));
      await failure(get({ actionDigest: msg(action) }), grpc.status.NOT_FOUND);

      const listed = SHA256.compute(Buffer.from('evicted file inside a directory'));
      const tree = await put(Buffer.from(Tree.encode(Tree.fromPartial({ root: { files: [{ name: 'f', digest: msg(listed) }] } })).finish()));
      await stored.put(action, ActionResult.fromPartial({ outputDirectories: [{ path: 'd', treeDigest: msg(tree) }] }));
      await failure(get({ actionDigest: msg(action) }), grpc.status.NOT_FOUND);
    });

    it('inlines requested stdout, stderr and listed files that fit, and nothing unasked', async () => {
      const action = newAction();
      const result = ActionResult.fromPartial({
        outputFiles: [{ path: 'small', digest: msg(await put('small file')) }, { path: 'other', digest: msg(await put('other file')) }],
        stdoutDigest: msg(await put('stdout text')),
        stderrDigest: msg(await put('stderr text')),
      });
      await stored.put(action, result);
      const plain = await get({ actionDigest: msg(action) });
      assert.equal(plain.stdoutRaw.length + plain.stderrRaw.length + plain.outputFiles[0]!.contents.length, 0);
      const inlined = await get({ actionDigest: msg(action), inlineStdout: true, inlineStderr: true, inlineOutputFiles: ['small'] });
      assert.equal(inlined.stdoutRaw.toString(), 'stdout text');
      assert.equal(inlined.stderrRaw.toString(), 'stderr text');
      assert.deepEqual(inlined.outputFiles.map((f) => f.contents.toString()), ['small file', '']);
      assert.deepEqual(inlined.stdoutDigest, result.stdoutDigest);
    });

    it(`does not inline beyond ${MAX_INLINE_BYTES} bytes in total, and the digests still describe everything`, async () => {
      const action = newAction();
      const result = ActionResult.fromPartial({
        outputFiles: [
          { path: 'too-big', digest: msg(await put(Buffer.alloc(MAX_INLINE_BYTES - 9, 1))) },
          { path: 'fits', digest: msg(await put('0123456789')) },
        ],
        stdoutDigest: msg(await put('0123456789')),
      });
      await stored.put(action, result);
      const inlined = await get({ actionDigest: msg(action), inlineStdout: true, inlineOutputFiles: ['too-big', 'fits'] });
      // stdout (10) + too-big (MAX - 9) would exceed the bound by one byte.
      assert.equal(inlined.stdoutRaw.toString(), '0123456789');
      assert.deepEqual(inlined.outputFiles.map((f) => f.contents.length), [0, 10]);
      assert.deepEqual(inlined.outputFiles.map((f) => f.digest), result.outputFiles.map((f) => f.digest));
    });

    it('rejects a missing or malformed action digest with INVALID_ARGUMENT naming action_digest', async () => {
      assert.match((await failure(get({}), grpc.status.INVALID_ARGUMENT)).message, /^action_digest is missing/);
      const notHex = await failure(get({ actionDigest: { hash: 'g'.repeat(64), sizeBytes: 1 } }), grpc.status.INVALID_ARGUMENT);
      assert.match(notHex.message, /^action_digest: invalid SHA256 digest hash .*not lowercase hex/);
      assert.deepEqual(notHex.findDetails(BadRequestDetail)[0]?.fieldViolations.map((v) => v.field), ['action_digest']);
      const negative = await failure(get({ actionDigest: { hash: 'a'.repeat(64), sizeBytes: -1 } }), grpc.status.INVALID_ARGUMENT);
      assert.match(negative.message, /^action_digest: invalid size -1/);
      const sha1 = await failure(get({ actionDigest: { hash: 'a'.repeat(40), sizeBytes: 1 } }), grpc.status.INVALID_ARGUMENT);
      assert.match(sha1.message, /^action_digest: .*40 characters/);
    });

    it('rejects an unknown instance name and an unsupported digest function with INVALID_ARGUMENT', async () => {
      const action = msg(newAction());
      assert.match((await failure(get({ actionDigest: action, instanceName: 'other' }), grpc.status.INVALID_ARGUMENT)).message, /unknown instance name "other"/);
      const sha1 = await failure(get({ actionDigest: action, digestFunction: DigestFunction_Value.SHA1 }), grpc.status.INVALID_ARGUMENT);
      assert.match(sha1.message, /SHA1.*SHA256/);
      await failure(get({ actionDigest: action, digestFunction: DigestFunction_Value.SHA256 }), grpc.status.NOT_FOUND);
    });
  });

  describe('UpdateActionResult', () => {
    it('stores a result whose blobs are in the CAS, returns it, and GetActionResult then serves it', async () => {
      const action = newAction();
      const file = await put('output');
      const listed = await put('in a directory');
      const tree = await put(Buffer.from(Tree.encode(Tree.fromPartial({ root: { files: [{ name: 'f', digest: msg(listed) }] } })).finish()));
      const result = ActionResult.fromPartial({
        exitCode: 0,
        outputFiles: [{ path: 'bazel-out/a.o', digest: msg(file), isExecutable: true }],
        outputDirectories: [{ path: 'bazel-out/gen', treeDigest: msg(tree) }],
        outputFileSymlinks: [{ path: 'bazel-out/link', target: '/usr/bin/true' }],
        executionMetadata: { worker: 'bazel' },
      });
      assert.deepEqual(await update({ actionDigest: msg(action), actionResult: result }), result);
      assert.deepEqual(await get({ actionDigest: msg(action) }), result);
    });

    it('moves inline stdout sent by the client into the CAS and stores its digest instead', async () => {
      const action = newAction();
      const returned = await update({ actionDigest: msg(action), actionResult: ActionResult.fromPartial({ stdoutRaw: Buffer.from('printed') }) });
      const printed = SHA256.compute(Buffer.from('printed'));
      assert.deepEqual(returned.stdoutDigest, msg(printed));
      assert.equal(returned.stdoutRaw.length, 0);
      assert.equal((await blobs.get(printed)).toString(), 'printed');
      assert.equal((await get({ actionDigest: msg(action), inlineStdout: true })).stdoutRaw.toString(), 'printed');
    });

    it('refuses a result whose blobs are not in the CAS with FAILED_PRECONDITION listing each missing blob, and stores nothing', async () => {
      const action = newAction();
      const absent = SHA256.compute(Buffer.from('never uploaded'));
      const listedAbsent = SHA256.compute(Buffer.from('never uploaded either'));
      const tree = await put(Buffer.from(Tree.encode(Tree.fromPartial({ root: { files: [{ name: 'f', digest: msg(listedAbsent) }] } })).finish()));
      const err = await failure(
        update({
          actionDigest: msg(action),
          actionResult: ActionResult.fromPartial({ outputFiles: [{ path: 'a', digest: msg(absent) }], outputDirectories: [{ path: 'd', treeDigest: msg(tree) }] }),
        }),
        grpc.status.FAILED_PRECONDITION,
      );
      assert.deepEqual(err.findDetails(PreconditionFailureDetail)[0]?.violations.map((v) => [v.type, v.subject]), [
        ['MISSING', `blobs/${absent.hash}/${absent.sizeBytes}`],
        ['MISSING', `blobs/${listedAbsent.hash}/${listedAbsent.sizeBytes}`],
      ]);
      await failure(get({ actionDigest: msg(action) }), grpc.status.NOT_FOUND);
    });

    it('rejects malformed digests, paths and Tree blobs with INVALID_ARGUMENT naming the field, and stores nothing', async () => {
      const action = newAction();
      const ok = msg(await put('fine'));
      const cases: [DeepPartial<ActionResult>, RegExp][] = [
        [{ outputFiles: [{ path: 'a', digest: ok }, { path: 'b', digest: ok }, { path: 'c', digest: { hash: 'zz', sizeBytes: 1 } }] }, /^action_result\.output_files\[2\]\.digest: /],
        [{ outputFiles: [{ path: '/abs', digest: ok }] }, /^action_result\.output_files\[0\]\.path: "\/abs" must be relative/],
        [{ outputDirectories: [{ path: 'x/../..', treeDigest: ok }] }, /^action_result\.output_directories\[0\]\.path: .*"\.\." segment/],
        [{ outputSymlinks: [{ path: 'l/', target: 't' }] }, /^action_result\.output_symlinks\[0\]\.path: .*must not end with a slash/],
        [{ stdoutDigest: { hash: 'ab', sizeBytes: 2 } }, /^action_result\.stdout_digest: /],
        [{ outputDirectories: [{ path: 'd', treeDigest: ok }] }, /^action_result\.output_directories\[0\]\.tree_digest: blob [0-9a-f]{64}\/4 is not a valid Tree message/],
      ];
      for (const [result, message] of cases) {
        const err = await failure(update({ actionDigest: msg(action), actionResult: ActionResult.fromPartial(result) }), grpc.status.INVALID_ARGUMENT);
        assert.match(err.message, message);
      }
      await failure(get({ actionDigest: msg(action) }), grpc.status.NOT_FOUND);
    });

    it('rejects a missing action_result, a bad action digest and an unknown instance name with INVALID_ARGUMENT', async () => {
      const action = msg(newAction());
      assert.match((await failure(update({ actionDigest: action }), grpc.status.INVALID_ARGUMENT)).message, /^action_result is missing/);
      const result = ActionResult.fromPartial({ exitCode: 0 });
      assert.match((await failure(update({ actionResult: result }), grpc.status.INVALID_ARGUMENT)).message, /^action_digest is missing/);
      assert.match(
        (await failure(update({ actionDigest: { hash: 'A'.repeat(64), sizeBytes: 3 }, actionResult: result }), grpc.status.INVALID_ARGUMENT)).message,
        /^action_digest: /,
      );
      assert.match(
        (await failure(update({ actionDigest: action, actionResult: result, instanceName: 'nope' }), grpc.status.INVALID_ARGUMENT)).message,
        /unknown instance name "nope"/,
      );
      await failure(update({ actionDigest: action, actionResult: result, digestFunction: DigestFunction_Value.BLAKE3 }), grpc.status.INVALID_ARGUMENT);
    });
  });
});
