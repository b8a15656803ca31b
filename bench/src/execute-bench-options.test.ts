import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseExecuteBenchOptions } from './execute-bench-options.ts';

describe('parseExecuteBenchOptions', () => {
  it('uses the standard parameters when given no flags, and writes the results', () => {
    assert.deepEqual(parseExecuteBenchOptions([]), {
      rounds: 5, runsPerRound: 40, wideRuns: 7, wideFiles: 10_000, maxMinutes: 8, profile: false, writeResults: true,
    });
  });

  it('never writes RESULTS.md from a profiled run', () => {
    const options = parseExecuteBenchOptions(['--profile']);
    assert.ok(options !== 'help' && options.profile && !options.writeResults);
  });

  it('refuses a non-positive or non-numeric count, naming the flag', () => {
    assert.throws(() => parseExecuteBenchOptions(['--runs=0']), /--runs must be a positive integer, got "0"/);
    assert.throws(() => parseExecuteBenchOptions(['--rounds=two']), /--rounds/);
  });

  it('refuses a wide tree that is not whole directories of 100 files', () => {
    assert.throws(() => parseExecuteBenchOptions(['--wide-files=150']), /multiple of 100/);
  });

  it('refuses an unknown flag', () => {
    assert.throws(() => parseExecuteBenchOptions(['--fast']), /fast/);
  });
});
