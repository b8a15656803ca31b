import { Digest, type DigestFunction, InvalidDigestError } from '@actiond/digest';
import type { ActionResult, Digest as DigestMessage, OutputSymlink } from '@actiond/proto';
import { type ActiondError, invalidArgument, type FieldViolation } from '@actiond/status';
import { outputPathProblem } from './output-path.ts';

/** Most violations one INVALID_ARGUMENT lists in its BadRequest detail; the trailer has a size budget. */
const MAX_LISTED_VIOLATIONS = 20;

/**
 * Checks an ActionResult a client wants stored (UpdateActionResult) before
 * anything is written: every digest well-formed for `fn` (`output_files[i].digest`
 * and each directory's `tree_digest` or `root_directory_digest` required; stdout
 * and stderr digests optional), every output path relative without `.`/`..` or
 * empty segments nor leading or trailing slash, no path reported twice as a file
 * or directory, symlink targets present, and inline bytes (`stdout_raw`,
 * `stderr_raw`, `contents`) equal to the blob their digest names when both are
 * given.
 *
 * Throws INVALID_ARGUMENT whose message names the first bad field by its full
 * path from the request (`action_result.output_files[2].digest`) and whose
 * BadRequest detail lists the violations found (up to MAX_LISTED_VIOLATIONS).
 * Whether the blobs are in the CAS is checked separately.
 */
export function validateActionResult(result: ActionResult, fn: DigestFunction, field = 'action_result'): void {
  const violations: FieldViolation[] = [];
  const add = (at: string, description: string) => violations.push({ field: at, description });

  const digest = (message: DigestMessage | undefined, at: string): Digest | undefined => {
    if (message === undefined) return undefined;
    try {
      return Digest.parse(message.hash, message.sizeBytes, fn);
    } catch (err) {
      if (!(err instanceof InvalidDigestError)) throw err;
      add(at, err.message);
      return undefined;
    }
  };
  const inline = (bytes: Uint8Array, expected: Digest | undefined, at: string, digestField: string) => {
    if (bytes.length === 0 || expected === undefined) return;
    const actual = fn.compute(bytes);
    if (!actual.equals(expected)) add(at, `inline bytes have digest ${actual}, but ${digestField} is ${expected}`);
  };
  const pathsSeen = new Map<string, string>();
  const outputPath = (path: string, at: string, allowEmpty: boolean) => {
    const problem = outputPathProblem(path, allowEmpty);
    if (problem !== undefined) return add(at, problem);
    const first = pathsSeen.get(path);
    if (first !== undefined) return add(at, `${JSON.stringify(path)} is already reported at ${first}`);
    pathsSeen.set(path, at);
  };

  result.outputFiles.forEach((file, i) => {
    const at = `${field}.output_files[${i}]`;
    outputPath(file.path, `${at}.path`, false);
    if (file.digest === undefined) add(`${at}.digest`, 'required');
    inline(file.contents, digest(file.digest, `${at}.digest`), `${at}.contents`, `${at}.digest`);
  });
  result.outputDirectories.forEach((directory, i) => {
    const at = `${field}.output_directories[${i}]`;
    outputPath(directory.path, `${at}.path`, true);
    if (directory.treeDigest === undefined && directory.rootDirectoryDigest === undefined) {
      add(`${at}.tree_digest`, 'required (or root_directory_digest)');
    }
    digest(directory.treeDigest, `${at}.tree_digest`);
    digest(directory.rootDirectoryDigest, `${at}.root_directory_digest`);
  });
  inline(result.stdoutRaw, digest(result.stdoutDigest, `${field}.stdout_digest`), `${field}.stdout_raw`, `${field}.stdout_digest`);
  inline(result.stderrRaw, digest(result.stderrDigest, `${field}.stderr_digest`), `${field}.stderr_raw`, `${field}.stderr_digest`);
  // Executors may report a symlink both in output_symlinks and in the legacy
  // list for older clients, so duplicates are only looked for within a list.
  const symlinks = (list: readonly OutputSymlink[], name: string) => {
    const seen = new Map<string, string>();
    list.forEach((symlink, i) => {
      const at = `${field}.${name}[${i}]`;
      const problem = outputPathProblem(symlink.path, false);
      if (problem !== undefined) add(`${at}.path`, problem);
      else if (seen.has(symlink.path)) add(`${at}.path`, `${JSON.stringify(symlink.path)} is already reported at ${seen.get(symlink.path)}`);
      else seen.set(symlink.path, `${at}.path`);
      if (typeof symlink.target !== 'string' || symlink.target === '') add(`${at}.target`, 'must not be empty');
      else if (symlink.target.includes('\0')) add(`${at}.target`, 'contains a NUL byte');
    });
  };
  symlinks(result.outputFileSymlinks, 'output_file_symlinks');
  symlinks(result.outputDirectorySymlinks, 'output_directory_symlinks');
  symlinks(result.outputSymlinks, 'output_symlinks');

  if (violations.length > 0) throw invalidActionResult(violations);
}

/**
 * The INVALID_ARGUMENT for a result with these (one or more) violations: the
 * message names the first, the BadRequest detail lists up to
 * MAX_LISTED_VIOLATIONS.
 */
export function invalidActionResult(violations: readonly FieldViolation[]): ActiondError {
  const [first] = violations;
  if (first === undefined) throw new RangeError('invalidActionResult needs at least one violation');
  const more = violations.length > 1 ? ` (and ${violations.length - 1} more problems)` : '';
  return invalidArgument(`${first.field}: ${first.description}${more}`, violations.slice(0, MAX_LISTED_VIOLATIONS));
}
