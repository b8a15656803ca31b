import { status } from '@grpc/grpc-js';
import type { BlobAccess } from '@actiond/blobstore';
import { type InstanceNames, parseRequestDigest, requestDigestFunction } from '@actiond/reapi';
import type { Digest, DigestFunction } from '@actiond/digest';
import { Action, Command, type DigestFunction_Value, type ExecuteRequest, type MessageFns } from '@actiond/proto';
import { ActiondError, invalidArgument, missingBlobs } from '@actiond/status';
import type { InputRootChecker } from './input-root-checker.ts';
import type { TimeoutPolicy } from './timeout-policy.ts';

/**
 * Largest Action or Command blob read into memory. Real ones are kilobytes
 * (a Command with a huge argv stays under Linux's 2 MiB ARG_MAX); the bound
 * only stops a client from making the server load a gigabyte "Action".
 */
export const MAX_ACTION_MESSAGE_BYTES = 16 * 1024 * 1024;

/** An Execute request checked and resolved, ready to become an ExecuteTask. */
export interface PreparedAction {
  readonly instanceName: string;
  readonly digestFunction: DigestFunction;
  readonly actionDigest: Digest;
  readonly action: Action;
  readonly command: Command;
  /** The effective timeout (TimeoutPolicy.resolve). */
  readonly timeoutMs: number;
}

/** What {@link prepareAction} checks against. */
export interface ActionPreparationDependencies {
  readonly blobs: BlobAccess;
  readonly instanceNames: InstanceNames;
  readonly timeouts: TimeoutPolicy;
  readonly inputRootChecker: InputRootChecker;
}

/**
 * Everything Execute must check before it creates an Operation; REAPI:
 * "errors discovered during creation of the Operation will be reported as
 * gRPC Status errors". Throws:
 * - INVALID_ARGUMENT for an unknown instance name, an unsupported digest
 *   function (naming it), a malformed action digest, an Action or Command
 *   blob that does not parse or lacks a required field (naming the blob),
 *   an empty argv, or a timeout that is negative or above the maximum
 *   (naming both values);
 * - FAILED_PRECONDITION with one PreconditionFailure MISSING violation per
 *   blob (subject `blobs/{hash}/{size}`) when the Action, the Command, or
 *   any directory or file of the input root is not in the CAS. All of them
 *   at once where they can be known: a missing Action hides the rest.
 *
 * Missing inputs are a set-up error, so they are the RPC's status rather
 * than ExecuteResponse.status (the spec reserves that for errors "while
 * running the action"), and clients act on both alike: Bazel's remote
 * executor turns a non-OK ExecuteResponse.status into the same gRPC
 * exception it gets for an RPC status (GrpcRemoteExecutor.handleStatus).
 * Bazel 4.2.3 does not retry FAILED_PRECONDITION; it uploads inputs after
 * FindMissingBlobs before every Execute, so it only meets this error when a
 * blob vanished in between, and the next build re-uploads it. Newer Bazel
 * re-uploads the listed blobs and retries.
 */
export async function prepareAction(request: ExecuteRequest, deps: ActionPreparationDependencies): Promise<PreparedAction> {
  const { blobs, instanceNames, timeouts, inputRootChecker } = deps;
  instanceNames.check(request.instanceName);
  const fn = requestDigestFunction(request.digestFunction, blobs.digestFunction);
  const actionDigest = parseRequestDigest(request.actionDigest, 'action_digest', fn);
  // reapiValue is typed as a plain number but holds the enum value.
  const reapiFunction = fn.reapiValue as DigestFunction_Value;

  const actionBlob = await getMessageBlob(blobs, actionDigest, 'action_digest', 'Action');
  if (actionBlob === undefined) throw missingBlobs([actionDigest], reapiFunction);
  const action = decode(Action, actionBlob, `action_digest ${actionDigest}`, 'Action');
  const commandDigest = parseRequestDigest(action.commandDigest, 'Action.command_digest', fn);
  const inputRootDigest = parseRequestDigest(action.inputRootDigest, 'Action.input_root_digest', fn);
  const timeoutMs = timeouts.resolve(action.timeout);

  const [commandBlob, missingInputs] = await Promise.all([
    getMessageBlob(blobs, commandDigest, 'Action.command_digest', 'Command'),
    inputRootChecker.findMissing(inputRootDigest),
  ]);
  const missing = commandBlob === undefined ? [commandDigest, ...missingInputs] : missingInputs;
  if (missing.length > 0) throw missingBlobs(missing, reapiFunction);
  const command = decode(Command, commandBlob!, `Action.command_digest ${commandDigest}`, 'Command');
  if (command.arguments.length === 0) {
    throw invalidArgument(`Command ${commandDigest} has no arguments; arguments[0] must name the program to run`, [
      { field: 'Command.arguments', description: 'is empty' },
    ]);
  }
  return { instanceName: request.instanceName, digestFunction: fn, actionDigest, action, command, timeoutMs };
}

/** The blob's bytes, or undefined when it is not in the CAS. */
async function getMessageBlob(blobs: BlobAccess, digest: Digest, field: string, type: string): Promise<Buffer | undefined> {
  if (digest.sizeBytes > MAX_ACTION_MESSAGE_BYTES) {
    throw invalidArgument(
      `${field} ${digest} names a ${digest.sizeBytes}-byte blob; this server reads ${type} messages of at most ${MAX_ACTION_MESSAGE_BYTES} bytes`,
      [{ field, description: `larger than ${MAX_ACTION_MESSAGE_BYTES} bytes` }],
    );
  }
  try {
    return await blobs.get(digest);
  } catch (err) {
    if (err instanceof ActiondError && err.code === status.NOT_FOUND) return undefined;
    throw err;
  }
}

function decode<T>(codec: MessageFns<T>, bytes: Buffer, what: string, type: string): T {
  try {
    return codec.decode(bytes);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw invalidArgument(`${what}: the blob is not a valid ${type} message: ${reason}`);
  }
}
