import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ActionResult } from '@actiond/proto';
import { MemoryBlobAccess } from '@actiond/blobstore';
import { inlineOutputs } from './inline-outputs.ts';

function setUp() {
  const blobs = new MemoryBlobAccess();
  const stdout = blobs.add('0123456789'); // 10 bytes
  const stderr = blobs.add('warn'); // 4 bytes
  const big = blobs.add('b'.repeat(20));
  const small = blobs.add('s'.repeat(5));
  const result = ActionResult.fromPartial({
    outputFiles: [
      { path: 'big', digest: big },
      { path: 'small', digest: small },
      { path: 'unasked', digest: small },
    ],
    stdoutDigest: stdout,
    stderrDigest: stderr,
  });
  return { blobs, result };
}

const all = { inlineStdout: true, inlineStderr: true, inlineOutputFiles: ['big', 'small'] };

test('requested stdout, stderr and listed files are inlined when they fit, keeping their digests', async () => {
  const { blobs, result } = setUp();
  const inlined = await inlineOutputs(result, all, blobs, 1000);
  assert.equal(inlined.stdoutRaw.toString(), '0123456789');
  assert.equal(inlined.stderrRaw.toString(), 'warn');
  assert.deepEqual(inlined.outputFiles.map((f) => f.contents.toString()), ['b'.repeat(20), 's'.repeat(5), '']);
  assert.deepEqual(inlined.stdoutDigest, result.stdoutDigest);
  assert.deepEqual(inlined.outputFiles.map((f) => f.digest), result.outputFiles.map((f) => f.digest));
});

test('nothing is inlined unasked, and inline bytes stored in the entry are dropped', async () => {
  const { blobs, result } = setUp();
  const stored = ActionResult.fromPartial({ ...result, stdoutRaw: Buffer.from('stale') });
  const inlined = await inlineOutputs(stored, { inlineStdout: false, inlineStderr: false, inlineOutputFiles: [] }, blobs);
  assert.equal(inlined.stdoutRaw.length, 0);
  assert.equal(inlined.stderrRaw.length, 0);
  assert.ok(inlined.outputFiles.every((f) => f.contents.length === 0));
  assert.equal(blobs.calls.get, 0);
});

test('a blob beyond the remaining budget is skipped and later smaller ones still fit', async () => {
  const { blobs, result } = setUp();
  // 10 (stdout) + 4 (stderr) = 14; "big" (20) would pass 30; "small" (5) fits.
  const inlined = await inlineOutputs(result, all, blobs, 20);
  assert.equal(inlined.stdoutRaw.toString(), '0123456789');
  assert.equal(inlined.stderrRaw.toString(), 'warn');
  assert.deepEqual(inlined.outputFiles.map((f) => f.contents.toString()), ['', 's'.repeat(5), '']);
});

test('a blob that left the CAS is not inlined and the digest still tells the client where it was', async () => {
  const { blobs, result } = setUp();
  blobs.remove(blobs.add('0123456789'));
  const inlined = await inlineOutputs(result, all, blobs, 1000);
  assert.equal(inlined.stdoutRaw.length, 0);
  assert.deepEqual(inlined.stdoutDigest, result.stdoutDigest);
  assert.equal(inlined.stderrRaw.toString(), 'warn');
});
