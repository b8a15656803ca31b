import type { Digest, DigestFunction } from '@actiond/digest';
import type { ActionResult } from '@actiond/proto';

const NO_BYTES = Buffer.alloc(0);

/** An inline byte string of a result, to be stored in the CAS under its digest. */
export interface InlineBlob {
  readonly digest: Digest;
  readonly data: Buffer;
}

/** What {@link toStoredActionResult} returns. */
export interface StoredActionResult {
  /** The result to put in the action cache: no inline bytes, every blob referenced by digest. */
  readonly result: ActionResult;
  /** The inline bytes the client sent, which must be in the CAS before `result` is stored. */
  readonly inlineBlobs: readonly InlineBlob[];
}

/**
 * Splits a validated result (see validateActionResult) into the entry to
 * store and the inline bytes to put in the CAS. REAPI asks clients not to
 * send `stdout_raw`, `stderr_raw` or `OutputFile.contents` in
 * UpdateActionResult, but some do; rather than drop those bytes (losing
 * stdout with no digest) or store them in every entry, they go to the CAS,
 * and a missing stdout/stderr digest is filled in. GetActionResult inlines
 * from the CAS on request, so the stored entry is the same whichever way the
 * client sent it, and stays small.
 */
export function toStoredActionResult(result: ActionResult, fn: DigestFunction): StoredActionResult {
  const inlineBlobs: InlineBlob[] = [];
  const keep = (data: Buffer) => {
    const digest = fn.compute(data);
    inlineBlobs.push({ digest, data });
    return digest;
  };
  const stdoutDigest = result.stdoutRaw.length > 0 ? keep(result.stdoutRaw) : result.stdoutDigest;
  const stderrDigest = result.stderrRaw.length > 0 ? keep(result.stderrRaw) : result.stderrDigest;
  const outputFiles = result.outputFiles.map((file) => {
    if (file.contents.length === 0) return file;
    keep(file.contents);
    return { ...file, contents: NO_BYTES };
  });
  return {
    result: {
      ...result,
      outputFiles,
      stdoutRaw: NO_BYTES,
      stdoutDigest: stdoutDigest === undefined ? undefined : { hash: stdoutDigest.hash, sizeBytes: stdoutDigest.sizeBytes },
      stderrRaw: NO_BYTES,
      stderrDigest: stderrDigest === undefined ? undefined : { hash: stderrDigest.hash, sizeBytes: stderrDigest.sizeBytes },
    },
    inlineBlobs,
  };
}
