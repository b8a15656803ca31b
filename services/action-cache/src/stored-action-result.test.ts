import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SHA256 } from '@actiond/digest';
import { ActionResult } from '@actiond/proto';
import { toStoredActionResult } from './stored-action-result.ts';

test('inline stdout, stderr and file contents move to the CAS list and out of the stored entry', () => {
  const file = SHA256.compute(Buffer.from('file'));
  const { result, inlineBlobs } = toStoredActionResult(
    ActionResult.fromPartial({
      exitCode: 3,
      outputFiles: [
        { path: 'f', digest: { hash: file.hash, sizeBytes: file.sizeBytes }, contents: Buffer.from('file'), isExecutable: true },
        { path: 'g', digest: { hash: file.hash, sizeBytes: file.sizeBytes } },
      ],
      stdoutRaw: Buffer.from('out'),
      stderrRaw: Buffer.from('err'),
    }),
    SHA256,
  );
  const out = SHA256.compute(Buffer.from('out'));
  const err = SHA256.compute(Buffer.from('err'));
  assert.deepEqual(
    inlineBlobs.map((b) => [b.digest.key, b.data.toString()]),
    [[out.key, 'out'], [err.key, 'err'], [file.key, 'file']],
  );
  assert.deepEqual(
    result,
    ActionResult.fromPartial({
      exitCode: 3,
      outputFiles: [
        { path: 'f', digest: { hash: file.hash, sizeBytes: file.sizeBytes }, isExecutable: true },
        { path: 'g', digest: { hash: file.hash, sizeBytes: file.sizeBytes } },
      ],
      stdoutDigest: { hash: out.hash, sizeBytes: out.sizeBytes },
      stderrDigest: { hash: err.hash, sizeBytes: err.sizeBytes },
    }),
  );
});

test('a result without inline bytes is stored as given', () => {
  const given = ActionResult.fromPartial({ exitCode: 0, stdoutDigest: { hash: 'ab'.repeat(32), sizeBytes: 7 } });
  const { result, inlineBlobs } = toStoredActionResult(given, SHA256);
  assert.deepEqual(result, given);
  assert.deepEqual(inlineBlobs, []);
});
