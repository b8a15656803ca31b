import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { SHA256 } from '@actiond/digest';
import { ActionResult, type DeepPartial } from '@actiond/proto';
import { ActiondError, BadRequestDetail } from '@actiond/status';
import { validateActionResult } from './action-result-validation.ts';

const A = SHA256.compute(Buffer.from('a'));
const B = SHA256.compute(Buffer.from('b'));
const d = (digest: { hash: string; sizeBytes: number }) => ({ hash: digest.hash, sizeBytes: digest.sizeBytes });

const VALID = ActionResult.fromPartial({
  outputFiles: [{ path: 'out/a', digest: d(A) }, { path: 'out/b', digest: d(B), contents: Buffer.from('b') }],
  outputDirectories: [{ path: '', treeDigest: d(A) }, { path: 'gen', rootDirectoryDigest: d(B) }],
  stdoutDigest: d(A),
  stdoutRaw: Buffer.from('a'),
  stderrRaw: Buffer.from('no digest given: the server computes it'),
  outputFileSymlinks: [{ path: 'link', target: '/abs/target' }],
  outputSymlinks: [{ path: 'link', target: '../relative' }],
});

/** The INVALID_ARGUMENT validateActionResult throws for `result`. */
function rejection(result: DeepPartial<ActionResult>): ActiondError {
  try {
    validateActionResult(ActionResult.fromPartial({ ...VALID, ...result }), SHA256);
  } catch (err) {
    assert.ok(err instanceof ActiondError);
    assert.equal(err.code, status.INVALID_ARGUMENT);
    return err;
  }
  assert.fail('expected INVALID_ARGUMENT');
}

test('a well-formed result passes, legacy and v2.1 symlink lists may repeat a path', () => {
  validateActionResult(VALID, SHA256);
  validateActionResult(ActionResult.fromPartial({}), SHA256);
});

test('a malformed output file digest is named by its field path, in the message and the BadRequest detail', () => {
  const err = rejection({
    outputFiles: [{ path: 'a', digest: d(A) }, { path: 'b', digest: d(A) }, { path: 'c', digest: { hash: 'NOT-HEX', sizeBytes: 1 } }],
  });
  assert.match(err.message, /^action_result\.output_files\[2\]\.digest: invalid SHA256 digest hash "NOT-HEX"/);
  const [badRequest] = err.findDetails(BadRequestDetail);
  assert.deepEqual(badRequest?.fieldViolations.map((v) => v.field), ['action_result.output_files[2].digest']);
});

test('every digest field is checked: output file (required), tree, root directory, stdout, stderr', () => {
  assert.match(rejection({ outputFiles: [{ path: 'a' }] }).message, /^action_result\.output_files\[0\]\.digest: required/);
  assert.match(rejection({ outputDirectories: [{ path: 'd' }] }).message, /^action_result\.output_directories\[0\]\.tree_digest: required \(or root_directory_digest\)/);
  assert.match(rejection({ outputDirectories: [{ path: 'd', treeDigest: { hash: A.hash, sizeBytes: -1 } }] }).message, /^action_result\.output_directories\[0\]\.tree_digest: invalid size -1/);
  assert.match(rejection({ outputDirectories: [{ path: 'd', treeDigest: d(A), rootDirectoryDigest: { hash: 'ab', sizeBytes: 1 } }] }).message, /^action_result\.output_directories\[0\]\.root_directory_digest: .*has 2 characters/);
  assert.match(rejection({ stdoutRaw: Buffer.alloc(0), stdoutDigest: { hash: A.hash.toUpperCase(), sizeBytes: 1 } }).message, /^action_result\.stdout_digest: .*not lowercase hex/);
  assert.match(rejection({ stderrDigest: { hash: '', sizeBytes: 0 } }).message, /^action_result\.stderr_digest: /);
});

test('bad output paths are named by field: absolute, trailing slash, dot-dot, empty file path, duplicates', () => {
  assert.match(rejection({ outputFiles: [{ path: '/abs', digest: d(A) }] }).message, /^action_result\.output_files\[0\]\.path: "\/abs" must be relative/);
  assert.match(rejection({ outputDirectories: [{ path: 'd/', treeDigest: d(A) }] }).message, /^action_result\.output_directories\[0\]\.path: .*must not end with a slash/);
  assert.match(rejection({ outputFiles: [{ path: 'a/../../x', digest: d(A) }] }).message, /^action_result\.output_files\[0\]\.path: .*"\.\." segment/);
  assert.match(rejection({ outputFiles: [{ path: '', digest: d(A) }] }).message, /^action_result\.output_files\[0\]\.path: must not be empty/);
  assert.match(
    rejection({ outputFiles: [{ path: 'x', digest: d(A) }], outputDirectories: [{ path: 'x', treeDigest: d(A) }] }).message,
    /^action_result\.output_directories\[0\]\.path: "x" is already reported at action_result\.output_files\[0\]\.path/,
  );
  assert.match(rejection({ outputSymlinks: [{ path: 'l', target: 't' }, { path: 'l', target: 'u' }] }).message, /^action_result\.output_symlinks\[1\]\.path: "l" is already reported/);
  assert.match(rejection({ outputDirectorySymlinks: [{ path: '../l', target: 't' }] }).message, /^action_result\.output_directory_symlinks\[0\]\.path: /);
  assert.match(rejection({ outputFileSymlinks: [{ path: 'l', target: '' }] }).message, /^action_result\.output_file_symlinks\[0\]\.target: must not be empty/);
});

test('inline bytes that do not match their digest are refused, naming both fields', () => {
  assert.match(rejection({ stdoutRaw: Buffer.from('not a') }).message, /^action_result\.stdout_raw: inline bytes have digest [0-9a-f]{64}\/5, but action_result\.stdout_digest is /);
  assert.match(rejection({ stderrDigest: d(A), stderrRaw: Buffer.from('b') }).message, /^action_result\.stderr_raw: /);
  assert.match(rejection({ outputFiles: [{ path: 'a', digest: d(A), contents: Buffer.from('b') }] }).message, /^action_result\.output_files\[0\]\.contents: .*but action_result\.output_files\[0\]\.digest is /);
});

test('several problems: the first is in the message with a count, each in the BadRequest detail', () => {
  const err = rejection({ outputFiles: [{ path: '/x', digest: { hash: 'z', sizeBytes: 1 } }], stderrDigest: { hash: 'q', sizeBytes: 0 } });
  assert.match(err.message, /^action_result\.output_files\[0\]\.path: .*\(and 2 more problems\)$/);
  assert.deepEqual(err.findDetails(BadRequestDetail)[0]?.fieldViolations.map((v) => v.field), [
    'action_result.output_files[0].path',
    'action_result.output_files[0].digest',
    'action_result.stderr_digest',
  ]);
});
