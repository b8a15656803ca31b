import { status } from '@grpc/grpc-js';
import type { BlobAccess } from '@actiond/blobstore';
import { Digest, InvalidDigestError } from '@actiond/digest';
import type { ActionResult, Digest as DigestMessage, GetActionResultRequest } from '@actiond/proto';
import { ActiondError } from '@actiond/status';

/**
 * Most bytes one GetActionResult response inlines, stdout, stderr and output
 * files together. Clients cap received messages (4 MiB by default in gRPC,
 * Bazel included); 1 MiB leaves ample room for the rest of the ActionResult,
 * and bigger outputs are better fetched by digest anyway. REAPI lets a server
 * inline less than asked; the digests are always there.
 */
export const MAX_INLINE_BYTES = 1024 * 1024;

const NO_BYTES = Buffer.alloc(0);

/** The fields of a request that ask for inlining. */
export type InlineRequest = Pick<GetActionResultRequest, 'inlineStdout' | 'inlineStderr' | 'inlineOutputFiles'>;

/**
 * The result as GetActionResult returns it: inline bytes only where the
 * request asks for them (stdout_raw, stderr_raw, OutputFile.contents of the
 * files listed in inline_output_files), taken from the CAS in that order
 * while they fit in `budgetBytes` together. A blob that does not fit is
 * skipped and smaller ones after it may still be inlined. Any inline bytes
 * stored in the entry are dropped: REAPI says not to inline unasked.
 *
 * A blob that vanished from the CAS since the entry was checked, or whose
 * stored digest does not parse, is simply not inlined.
 */
export async function inlineOutputs(
  result: ActionResult,
  request: InlineRequest,
  blobs: BlobAccess,
  budgetBytes: number = MAX_INLINE_BYTES,
): Promise<ActionResult> {
  let remaining = budgetBytes;
  const take = (message: DigestMessage | undefined): Promise<Buffer> => {
    const digest = parse(message);
    if (digest === undefined || digest.sizeBytes === 0 || digest.sizeBytes > remaining) return Promise.resolve(NO_BYTES);
    remaining -= digest.sizeBytes;
    return read(blobs, digest);
  };
  const parse = (message: DigestMessage | undefined) => {
    if (message === undefined) return undefined;
    try {
      return Digest.parse(message.hash, message.sizeBytes, blobs.digestFunction);
    } catch (err) {
      if (err instanceof InvalidDigestError) return undefined;
      throw err;
    }
  };

  // Sizes are known from the digests, so the budget is spent in order here
  // and the reads run in parallel.
  const wanted = new Set(request.inlineOutputFiles);
  const stdout = request.inlineStdout ? take(result.stdoutDigest) : Promise.resolve(NO_BYTES);
  const stderr = request.inlineStderr ? take(result.stderrDigest) : Promise.resolve(NO_BYTES);
  const files = result.outputFiles.map((file) => (wanted.has(file.path) ? take(file.digest) : Promise.resolve(NO_BYTES)));
  const [stdoutRaw, stderrRaw, contents] = await Promise.all([stdout, stderr, Promise.all(files)]);
  return {
    ...result,
    stdoutRaw,
    stderrRaw,
    outputFiles: result.outputFiles.map((file, i) => ({ ...file, contents: contents[i] ?? NO_BYTES })),
  };
}

async function read(blobs: BlobAccess, digest: Digest): Promise<Buffer> {
  try {
    return await blobs.get(digest);
  } catch (err) {
    const code = ActiondError.from(err).code;
    if (code === status.NOT_FOUND || code === status.DATA_LOSS) return NO_BYTES;
    throw err;
  }
}
