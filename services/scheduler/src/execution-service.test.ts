import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { Digest } from '@actiond/digest';
import { TIMINGS_LOG_NAME } from '@actiond/execution';
import {
  Action,
  ActionResult,
  Command,
  DigestFunction_Value,
  Directory,
  ExecuteOperationMetadata,
  ExecuteRequest,
  ExecutionService,
  ExecutionStage_Value,
} from '@actiond/proto';
import { ActiondError, PreconditionFailureDetail } from '@actiond/status';
import {
  responseOf,
  stageOf,
  startExecutionServer,
  type ExecutionTestServer,
  type ExecutionTestServerOptions,
} from './execution-test-server.test-support.ts';
import { ranResponse } from './fake-action-executor.test-support.ts';

const { CACHE_CHECK, QUEUED, EXECUTING, COMPLETED } = ExecutionStage_Value;

/** Servers not closed yet; a test that times out leaves its own here, closed after the suite. */
const open = new Set<ExecutionTestServer>();

/** Runs `fn` against a fresh server and closes it afterwards. */
async function withServer(options: ExecutionTestServerOptions, fn: (s: ExecutionTestServer) => Promise<void>): Promise<void> {
  const server = await startExecutionServer(options);
  open.add(server);
  try {
    await fn(server);
  } finally {
    open.delete(server);
    await server.close();
  }
}

/** The ActiondError an ended call carries, checked to have `code`. */
function failure(error: grpc.ServiceError | undefined, code: grpc.status): ActiondError {
  assert.ok(error !== undefined, `expected ${grpc.status[code]}, the call succeeded`);
  const err = ActiondError.from(error);
  assert.equal(err.codeName, grpc.status[code], err.message);
  return err;
}

const subject = (d: Digest) => `blobs/${d.hash}/${d.sizeBytes}`;

describe('Execution service', { timeout: 30_000 }, () => {
  after(async () => {
    for (const server of open) await server.close();
  });

  it('streams CACHE_CHECK, QUEUED, EXECUTING, COMPLETED, done only at COMPLETED, with the ExecuteResponse and never an error', () =>
    withServer({}, async (s) => {
      const action = s.uploadAction();
      const stream = s.execute({ actionDigest: action });
      await stream.reached(EXECUTING);
      await s.runner.waitForCalls(1);
      assert.equal(s.runner.calls[0]!.task.timeoutMs, 15 * 60_000, 'the default timeout reaches the runner');
      s.runner.calls[0]!.resolve(ranResponse(0));
      const messages = await stream.completed();
      assert.deepEqual(messages.map(stageOf), [CACHE_CHECK, QUEUED, EXECUTING, COMPLETED]);
      assert.deepEqual(messages.map((m) => m.done), [false, false, false, true]);
      for (const message of messages) {
        assert.equal(message.name, messages[0]!.name);
        assert.equal(message.error, undefined);
        const metadata = ExecuteOperationMetadata.decode(message.metadata!.value);
        assert.deepEqual(metadata.actionDigest, { hash: action.hash, sizeBytes: action.sizeBytes });
        assert.equal(metadata.stdoutStreamName, '');
        assert.equal(metadata.stderrStreamName, '');
      }
      assert.match(messages[0]!.name, /^operations\/[0-9a-f-]{36}$/);
      assert.deepEqual(messages.slice(0, 3).map((m) => m.response), [undefined, undefined, undefined]);
      const response = responseOf(messages[3]!);
      assert.equal(response.result?.exitCode, 0);
      assert.equal(response.cachedResult, false);
      assert.equal(response.status?.code ?? grpc.status.OK, grpc.status.OK);
      const timings = response.serverLogs[TIMINGS_LOG_NAME];
      assert.equal(timings?.humanReadable, true);
      assert.match(s.blobs.peek(`${timings?.digest?.hash}/${timings?.digest?.sizeBytes}`)?.toString() ?? '', /^queued: /);
      assert.ok(response.result?.executionMetadata?.queuedTimestamp !== undefined, 'the queue stamps its time');
    }));

  it('answers a cached action with CACHE_CHECK then COMPLETED and cached_result, without running it', () =>
    withServer({}, async (s) => {
      const action = s.uploadAction();
      s.actionCache.entries.set(action.key, ActionResult.fromPartial({ exitCode: 0, stdoutRaw: Buffer.from('from the cache') }));
      const messages = await s.execute({ actionDigest: action }).completed();
      assert.deepEqual(messages.map(stageOf), [CACHE_CHECK, COMPLETED]);
      const response = responseOf(messages[1]!);
      assert.equal(response.cachedResult, true);
      assert.equal(response.result?.stdoutRaw.toString(), 'from the cache');
      assert.equal(s.runner.calls.length, 0);
    }));

  it('fails with FAILED_PRECONDITION and one MISSING violation per absent blob, before any Operation', () =>
    withServer({}, async (s) => {
      const present = s.blobs.add('present');
      const gone = s.blobs.add('gone file');
      const goneDir = s.blobs.addMessage(Directory, { files: [{ name: 'x', digest: s.blobs.add('x'), isExecutable: false }] });
      const root = s.blobs.addMessage(Directory, {
        files: [
          { name: 'gone.txt', digest: gone, isExecutable: false },
          { name: 'present.txt', digest: present, isExecutable: false },
        ],
        directories: [{ name: 'sub', digest: goneDir }],
      });
      const command = s.blobs.addMessage(Command, { arguments: ['/bin/true'] });
      const action = s.blobs.addMessage(Action, { commandDigest: command, inputRootDigest: root });
      s.blobs.remove(gone);
      s.blobs.remove(goneDir);
      s.blobs.remove(command);
      const stream = s.execute({ actionDigest: action });
      const err = failure(await stream.ended, grpc.status.FAILED_PRECONDITION);
      assert.equal(stream.messages.length, 0);
      const violations = err.findDetails(PreconditionFailureDetail).flatMap((d) => d.violations);
      assert.deepEqual(
        violations.map((v) => [v.type, v.subject]),
        [
          ['MISSING', subject(command)],
          ['MISSING', subject(goneDir)],
          ['MISSING', subject(gone)],
        ],
      );
      assert.equal(s.runner.calls.length, 0);
    }));

  it('rejects a requested timeout above the maximum as INVALID_ARGUMENT naming both', () =>
    withServer({}, async (s) => {
      const action = s.uploadAction({ timeoutSeconds: 2 * 3600 });
      const err = failure(await s.execute({ actionDigest: action }).ended, grpc.status.INVALID_ARGUMENT);
      assert.match(err.message, /Action\.timeout 2h exceeds this server's maximum action timeout of 1h/);
    }));

  it('passes a requested timeout within the maximum to the runner', () =>
    withServer({}, async (s) => {
      const stream = s.execute({ actionDigest: s.uploadAction({ timeoutSeconds: 90 }) });
      await s.runner.waitForCalls(1);
      assert.equal(s.runner.calls[0]!.task.timeoutMs, 90_000);
      s.runner.calls[0]!.resolve(ranResponse(0));
      await stream.completed();
    }));

  it('rejects an unknown instance name and an unsupported digest function as INVALID_ARGUMENT', () =>
    withServer({}, async (s) => {
      const action = s.uploadAction();
      const unknown = failure(await s.execute({ instanceName: 'nope', actionDigest: action }).ended, grpc.status.INVALID_ARGUMENT);
      assert.match(unknown.message, /unknown instance name "nope"/);
      const sha1 = failure(
        await s.execute({ actionDigest: action, digestFunction: DigestFunction_Value.SHA1 }).ended,
        grpc.status.INVALID_ARGUMENT,
      );
      assert.match(sha1.message, /unsupported digest function SHA1/);
    }));

  it('keeps running an action whose client disconnected; WaitExecution then streams the current state first, then the result', () =>
    withServer({}, async (s) => {
      const action = s.uploadAction();
      const first = s.execute({ actionDigest: action });
      await first.reached(EXECUTING);
      const name = first.messages[0]!.name;
      first.call.cancel();
      failure(await first.ended, grpc.status.CANCELLED);
      await s.runner.waitForCalls(1);
      const task = s.runner.calls[0]!.task;
      assert.equal(task.signal.aborted, false, 'the disconnect does not cancel the action');
      const waiting = s.waitExecution(name);
      await waiting.received(1);
      assert.deepEqual(waiting.stages, [EXECUTING]);
      assert.equal(waiting.messages[0]!.done, false);
      s.runner.calls[0]!.resolve(ranResponse(0));
      const messages = await waiting.completed();
      assert.deepEqual(messages.map(stageOf), [EXECUTING, COMPLETED]);
      assert.equal(messages[1]!.name, name);
      assert.equal(responseOf(messages[1]!).result?.exitCode, 0);
      assert.ok(s.actionCache.entries.has(action.key), 'the result still fills the cache');
      const again = await s.waitExecution(name).completed();
      assert.deepEqual(again.map(stageOf), [COMPLETED], 'a finished operation is answered with its result');
    }));

  it('answers WaitExecution NOT_FOUND for an unknown name and for an expired operation', () =>
    withServer({ operations: { retentionMs: 0 } }, async (s) => {
      const unknown = failure(await s.waitExecution('operations/00000000-0000-4000-8000-000000000000').ended, grpc.status.NOT_FOUND);
      assert.match(unknown.message, /unknown or has expired; call Execute again/);
      const stream = s.execute({ actionDigest: s.uploadAction() });
      await s.runner.waitForCalls(1);
      s.runner.calls[0]!.resolve(ranResponse(0));
      const [first] = await stream.completed();
      failure(await s.waitExecution(first!.name).ended, grpc.status.NOT_FOUND);
    }));

  it('merges two concurrent identical Executes into one run', () =>
    withServer({}, async (s) => {
      const action = s.uploadAction();
      const first = s.execute({ actionDigest: action });
      await first.reached(EXECUTING);
      const second = s.execute({ actionDigest: action, skipCacheLookup: true });
      await second.reached(EXECUTING);
      assert.equal(s.runner.calls.length, 1);
      s.runner.calls[0]!.resolve(ranResponse(0, 'ran once'));
      const [a, b] = await Promise.all([first.completed(), second.completed()]);
      assert.notEqual(a.at(-1)!.name, b.at(-1)!.name, 'each request has its own operation');
      assert.deepEqual(b.map(stageOf), [CACHE_CHECK, EXECUTING, COMPLETED]);
      assert.deepEqual(responseOf(a.at(-1)!), responseOf(b.at(-1)!));
      assert.equal(s.runner.calls.length, 1);
    }));

  it('never merges nor caches do_not_cache actions', () =>
    withServer({ jobs: 2 }, async (s) => {
      const action = s.uploadAction({ doNotCache: true });
      const first = s.execute({ actionDigest: action });
      const second = s.execute({ actionDigest: action });
      await s.runner.waitForCalls(2);
      for (const call of s.runner.calls) call.resolve(ranResponse(0));
      await Promise.all([first.completed(), second.completed()]);
      assert.equal(s.runner.calls.length, 2);
      assert.equal(s.actionCache.puts.length, 0);
    }));

  it('runs queued actions lowest priority first under jobs=1', () =>
    withServer({ jobs: 1 }, async (s) => {
      const blocker = s.uploadAction({ salt: 'blocker' });
      const streams = [s.execute({ actionDigest: blocker })];
      await streams[0]!.reached(EXECUTING);
      const queued: [string, number][] = [['five', 5], ['minus-one', -1], ['zero', 0], ['also-zero', 0]];
      const digests = new Map<string, string>([[blocker.key, 'blocker']]);
      for (const [salt, priority] of queued) {
        const action = s.uploadAction({ salt });
        digests.set(action.key, salt);
        const stream = s.execute({ actionDigest: action, executionPolicy: { priority } });
        await stream.reached(QUEUED);
        streams.push(stream);
      }
      for (let i = 0; i < streams.length; i++) {
        await s.runner.waitForCalls(i + 1);
        s.runner.calls[i]!.resolve(ranResponse(0));
      }
      await Promise.all(streams.map((stream) => stream.completed()));
      assert.deepEqual(
        s.runner.calls.map((call) => digests.get(call.task.actionDigest.key)),
        ['blocker', 'minus-one', 'zero', 'also-zero', 'five'],
      );
    }));

  it('writes the action cache only for exit code 0', () =>
    withServer({ jobs: 2 }, async (s) => {
      const ok = s.uploadAction();
      const failing = s.uploadAction();
      const okStream = s.execute({ actionDigest: ok });
      const failingStream = s.execute({ actionDigest: failing });
      await s.runner.waitForCalls(2);
      const byDigest = new Map(s.runner.calls.map((call) => [call.task.actionDigest.key, call]));
      byDigest.get(ok.key)!.resolve(ranResponse(0));
      byDigest.get(failing.key)!.resolve(ranResponse(1));
      const failed = responseOf((await failingStream.completed()).at(-1)!);
      assert.equal(failed.result?.exitCode, 1, 'a failing command is still a COMPLETED operation with its result');
      await okStream.completed();
      assert.deepEqual([...s.actionCache.entries.keys()], [ok.key]);
    }));

  it('reports a failure while running in ExecuteResponse.status, not in the Operation error, and does not cache it', () =>
    withServer({}, async (s) => {
      const stream = s.execute({ actionDigest: s.uploadAction() });
      await s.runner.waitForCalls(1);
      s.runner.calls[0]!.resolve({ ...ranResponse(0), status: ActiondError.deadlineExceeded('the command ran past its 15m timeout').toStatusProto() });
      const done = (await stream.completed()).at(-1)!;
      assert.equal(done.done, true);
      assert.equal(done.error, undefined);
      const response = responseOf(done);
      assert.equal(response.status?.code, grpc.status.DEADLINE_EXCEEDED);
      assert.match(response.status?.message ?? '', /ran past its 15m timeout/);
      assert.equal(s.actionCache.puts.length, 0);
    }));

  it('completes the operation with INTERNAL in ExecuteResponse.status when the executor breaks its contract', () =>
    withServer({}, async (s) => {
      const stream = s.execute({ actionDigest: s.uploadAction() });
      await s.runner.waitForCalls(1);
      s.runner.calls[0]!.reject(new Error('runner bug'));
      const done = (await stream.completed()).at(-1)!;
      assert.equal(done.error, undefined);
      const response = responseOf(done);
      assert.equal(response.status?.code, grpc.status.INTERNAL);
      assert.match(response.status?.message ?? '', /the executor failed: runner bug/);
    }));

  it('serves Execute and WaitExecution on the raw fast lane, which refuses a second request as INVALID_ARGUMENT (grpc-js would say UNIMPLEMENTED)', () =>
    withServer({}, async (s) => {
      const twice = async <Req>(definition: { path: string; requestSerialize: (r: Req) => Buffer; responseDeserialize: (b: Buffer) => unknown }, request: Req) => {
        const call = s.client.makeBidiStreamRequest(definition.path, definition.requestSerialize, definition.responseDeserialize);
        const ended = new Promise<grpc.ServiceError>((resolve) => call.on('error', resolve));
        call.on('data', () => {});
        call.write(request);
        call.write(request);
        call.end();
        return ended;
      };
      const execute = await twice(ExecutionService.execute, ExecuteRequest.fromPartial({ actionDigest: s.uploadAction() }));
      assert.equal(execute.code, grpc.status.INVALID_ARGUMENT);
      assert.equal(execute.details, 'build.bazel.remote.execution.v2.Execution/Execute is server-streaming but the client sent more than one request message');
      const wait = await twice(ExecutionService.waitExecution, { name: 'operations/x' });
      assert.equal(wait.code, grpc.status.INVALID_ARGUMENT);
      assert.equal(wait.details, 'build.bazel.remote.execution.v2.Execution/WaitExecution is server-streaming but the client sent more than one request message');
      assert.equal(s.runner.calls.length, 0);
    }));
});
