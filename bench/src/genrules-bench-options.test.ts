import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBazelBenchOptions } from './genrules-bench-options.ts';

describe('parseBazelBenchOptions', () => {
  it('uses the standard parameters when given no flags, Bazel\'s own --jobs, and writes the results', () => {
    assert.deepEqual(parseBazelBenchOptions([]), { rounds: 5, warmups: 3, genrules: 200, jobs: undefined, writeResults: true, maxMinutes: 20 });
  });

  it('never writes RESULTS.md from a run with other genrules, jobs or warm-ups than the standard ones', () => {
    for (const flags of [['--genrules=20'], ['--jobs=8'], ['--warmups=1']]) {
      const options = parseBazelBenchOptions(flags);
      assert.ok(options !== 'help' && !options.writeResults, flags.join(' '));
    }
  });

  it('refuses a non-positive or non-numeric count, naming the flag', () => {
    assert.throws(() => parseBazelBenchOptions(['--jobs=0']), /--jobs must be a positive integer, got "0"/);
    assert.throws(() => parseBazelBenchOptions(['--rounds=x']), /--rounds/);
    assert.throws(() => parseBazelBenchOptions(['--warmups=0']), /--warmups must be a positive integer, got "0"/);
  });
});
