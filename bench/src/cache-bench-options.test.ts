import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCacheBenchOptions } from './cache-bench-options.ts';

describe('parseCacheBenchOptions', () => {
  it('defaults to the standard run: 5 rounds of 1 GiB, 10,000 blobs, 100,000 digests, results written', () => {
    assert.deepEqual(parseCacheBenchOptions([]), {
      runs: 5,
      findRuns: 7,
      blobMib: 1024,
      batchBlobs: 10_000,
      findDigests: 100_000,
      maxMinutes: 9,
      profile: false,
      writeResults: true,
    });
  });

  it('takes smaller sizes for a quick check', () => {
    const options = parseCacheBenchOptions(['--runs=2', '--blob-mib=64', '--profile', '--no-results']);
    assert.ok(options !== 'help');
    assert.equal(options.runs, 2);
    assert.equal(options.blobMib, 64);
    assert.equal(options.profile, true);
    assert.equal(options.writeResults, false);
  });

  it('names the flag whose value is not a positive integer', () => {
    assert.throws(() => parseCacheBenchOptions(['--runs=0']), /--runs must be a positive integer, got "0"/);
    assert.throws(() => parseCacheBenchOptions(['--blob-mib=1.5']), /--blob-mib must be a positive integer, got "1.5"/);
  });

  it('refuses an odd digest count, which cannot be half present', () => {
    assert.throws(() => parseCacheBenchOptions(['--find-digests=11']), /--find-digests must be even/);
  });

  it('refuses unknown flags', () => {
    assert.throws(() => parseCacheBenchOptions(['--rounds=3']), /--rounds/);
  });

  it('answers --help', () => {
    assert.equal(parseCacheBenchOptions(['--help']), 'help');
  });
});
