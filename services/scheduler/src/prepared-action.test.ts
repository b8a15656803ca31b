import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { InstanceNames } from '@actiond/reapi';
import { type Digest, SHA256 } from '@actiond/digest';
import { Action, Command, DigestFunction_Value, Directory, ExecuteRequest } from '@actiond/proto';
import { ActiondError, PreconditionFailureDetail } from '@actiond/status';
import { InputRootChecker } from './input-root-checker.ts';
import { MemoryBlobAccess } from '@actiond/blobstore';
import { MAX_ACTION_MESSAGE_BYTES, prepareAction } from './prepared-action.ts';
import { TimeoutPolicy } from './timeout-policy.ts';

function setUp() {
  const blobs = new MemoryBlobAccess();
  const deps = {
    blobs,
    instanceNames: new InstanceNames(['', 'main']),
    timeouts: new TimeoutPolicy({ defaultMs: 15 * 60_000, maxMs: 60 * 60_000 }),
    inputRootChecker: new InputRootChecker(blobs),
  };
  const input = blobs.add('input file');
  const inputRoot = blobs.addMessage(Directory, { files: [{ name: 'in.txt', digest: input, isExecutable: false }] });
  const command = blobs.addMessage(Command, { arguments: ['/bin/true'] });
  const action = blobs.addMessage(Action, { commandDigest: command, inputRootDigest: inputRoot });
  return { blobs, deps, input, inputRoot, command, action };
}

const request = (actionDigest: Digest | { hash: string; sizeBytes: number } | undefined, fields: Partial<ExecuteRequest> = {}) =>
  ExecuteRequest.fromPartial({ actionDigest: actionDigest === undefined ? undefined : actionDigest as Digest, ...fields });

async function rejectsWith(promise: Promise<unknown>, code: status, pattern: RegExp): Promise<ActiondError> {
  let caught: unknown;
  await assert.rejects(promise, (err: unknown) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof ActiondError, `expected an ActiondError, got ${String(caught)}`);
  assert.equal(caught.codeName, status[code], caught.message);
  assert.match(caught.message, pattern);
  return caught;
}

function subjects(err: ActiondError): string[] {
  return err.findDetails(PreconditionFailureDetail).flatMap((d) => d.violations.map((v) => `${v.type} ${v.subject}`));
}

describe('prepareAction', () => {
  it('returns the parsed Action and Command and the default timeout for a complete action', async () => {
    const { deps, action, command } = setUp();
    const prepared = await prepareAction(request(action, { instanceName: 'main' }), deps);
    assert.equal(prepared.instanceName, 'main');
    assert.equal(prepared.actionDigest.key, action.key);
    assert.deepEqual(prepared.action.commandDigest, { hash: command.hash, sizeBytes: command.sizeBytes });
    assert.deepEqual(prepared.command.arguments, ['/bin/true']);
    assert.equal(prepared.timeoutMs, 15 * 60_000);
    assert.equal(prepared.digestFunction, SHA256);
  });

  it('resolves the Action timeout', async () => {
    const { blobs, deps, action } = setUp();
    const parsed = (await prepareAction(request(action), deps)).action;
    const timed = blobs.addMessage(Action, { ...parsed, timeout: { seconds: 120, nanos: 0 } });
    assert.equal((await prepareAction(request(timed), deps)).timeoutMs, 120_000);
  });

  it('rejects an unknown instance name as INVALID_ARGUMENT naming it', async () => {
    const { deps, action } = setUp();
    await rejectsWith(prepareAction(request(action, { instanceName: 'other' }), deps), status.INVALID_ARGUMENT, /unknown instance name "other"/);
  });

  it('rejects an unsupported digest function as INVALID_ARGUMENT naming it', async () => {
    const { deps, action } = setUp();
    await rejectsWith(
      prepareAction(request(action, { digestFunction: DigestFunction_Value.BLAKE3 }), deps),
      status.INVALID_ARGUMENT,
      /unsupported digest function BLAKE3; this server supports SHA256/,
    );
  });

  it('rejects a malformed or absent action digest as INVALID_ARGUMENT naming action_digest', async () => {
    const { deps } = setUp();
    await rejectsWith(prepareAction(request({ hash: 'ABC', sizeBytes: 3 }), deps), status.INVALID_ARGUMENT, /^action_digest: invalid SHA256 digest hash "ABC"/);
    await rejectsWith(prepareAction(request(undefined), deps), status.INVALID_ARGUMENT, /^action_digest is missing/);
  });

  it('answers a missing Action with FAILED_PRECONDITION and one MISSING violation for it', async () => {
    const { blobs, deps, action } = setUp();
    blobs.remove(action);
    const err = await rejectsWith(prepareAction(request(action), deps), status.FAILED_PRECONDITION, /1 blob is missing/);
    assert.deepEqual(subjects(err), [`MISSING blobs/${action.hash}/${action.sizeBytes}`]);
  });

  it('lists the missing Command and every missing input blob, one violation each', async () => {
    const { blobs, deps, action, command, input } = setUp();
    blobs.remove(command);
    blobs.remove(input);
    const err = await rejectsWith(prepareAction(request(action), deps), status.FAILED_PRECONDITION, /2 blobs are missing/);
    assert.deepEqual(subjects(err), [`MISSING blobs/${command.hash}/${command.sizeBytes}`, `MISSING blobs/${input.hash}/${input.sizeBytes}`]);
  });

  it('lists a missing input root directory', async () => {
    const { blobs, deps, action, inputRoot } = setUp();
    blobs.remove(inputRoot);
    const err = await rejectsWith(prepareAction(request(action), deps), status.FAILED_PRECONDITION, /missing/);
    assert.deepEqual(subjects(err), [`MISSING blobs/${inputRoot.hash}/${inputRoot.sizeBytes}`]);
  });

  it('rejects an Action or Command blob that does not parse as INVALID_ARGUMENT naming it', async () => {
    const { blobs, deps, inputRoot } = setUp();
    const garbage = blobs.add(Buffer.from([0x0a, 0xff, 0xff]));
    await rejectsWith(prepareAction(request(garbage), deps), status.INVALID_ARGUMENT, new RegExp(`^action_digest ${garbage.hash}/3: the blob is not a valid Action message`));
    const badCommand = blobs.addMessage(Action, { commandDigest: garbage, inputRootDigest: inputRoot });
    await rejectsWith(prepareAction(request(badCommand), deps), status.INVALID_ARGUMENT, new RegExp(`^Action.command_digest ${garbage.hash}/3: the blob is not a valid Command message`));
  });

  it('rejects an Action without a command or input root digest as INVALID_ARGUMENT naming the field', async () => {
    const { blobs, deps, command, inputRoot } = setUp();
    await rejectsWith(prepareAction(request(blobs.addMessage(Action, { inputRootDigest: inputRoot })), deps), status.INVALID_ARGUMENT, /^Action.command_digest is missing/);
    await rejectsWith(prepareAction(request(blobs.addMessage(Action, { commandDigest: command })), deps), status.INVALID_ARGUMENT, /^Action.input_root_digest is missing/);
  });

  it('rejects a timeout above the maximum, naming both, and a negative one', async () => {
    const { blobs, deps, command, inputRoot } = setUp();
    const long = blobs.addMessage(Action, { commandDigest: command, inputRootDigest: inputRoot, timeout: { seconds: 7200 } });
    await rejectsWith(prepareAction(request(long), deps), status.INVALID_ARGUMENT, /Action\.timeout 2h exceeds this server's maximum action timeout of 1h/);
    const negative = blobs.addMessage(Action, { commandDigest: command, inputRootDigest: inputRoot, timeout: { seconds: -1 } });
    await rejectsWith(prepareAction(request(negative), deps), status.INVALID_ARGUMENT, /Action\.timeout is negative/);
  });

  it('rejects a Command without arguments as INVALID_ARGUMENT', async () => {
    const { blobs, deps, inputRoot } = setUp();
    const empty = blobs.addMessage(Command, { arguments: [], environmentVariables: [{ name: 'A', value: 'b' }] });
    const action = blobs.addMessage(Action, { commandDigest: empty, inputRootDigest: inputRoot });
    await rejectsWith(prepareAction(request(action), deps), status.INVALID_ARGUMENT, /has no arguments/);
  });

  it('refuses to load an Action blob larger than the bound', async () => {
    const { deps } = setUp();
    const huge = { hash: 'ab'.repeat(32), sizeBytes: MAX_ACTION_MESSAGE_BYTES + 1 };
    await rejectsWith(prepareAction(request(huge), deps), status.INVALID_ARGUMENT, /^action_digest .* names a 16777217-byte blob; this server reads Action messages of at most/);
  });
});
