import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { genruleBuildFile, parseProcessSummary } from './genrule-workspace.ts';

describe('genruleBuildFile', () => {
  it('declares the asked number of genrules, each with a name and an output of its own', () => {
    const build = genruleBuildFile(200);
    const names = [...build.matchAll(/name = "(g\d+)"/g)].map((m) => m[1]);
    const outs = [...build.matchAll(/outs = \["(g\d+\.txt)"\]/g)].map((m) => m[1]);
    assert.equal(new Set(names).size, 200);
    assert.equal(new Set(outs).size, 200);
    assert.deepEqual([names[0], names[199]], ['g000', 'g199']);
  });

  it('refuses a count that is not a positive integer', () => {
    assert.throws(() => genruleBuildFile(0), /positive integer, got 0/);
  });
});

describe('parseProcessSummary', () => {
  it('reads every kind of Bazel 4.2.3\'s last summary line', () => {
    const output = 'INFO: 3 processes: 3 internal.\nINFO: Elapsed time: 3.1s\nINFO: 201 processes: 1 internal, 200 remote.\n';
    assert.deepEqual([...parseProcessSummary(output)], [['internal', 1], ['remote', 200]]);
    assert.deepEqual([...parseProcessSummary('INFO: 1 process: 1 internal.\n')], [['internal', 1]]);
  });

  it('refuses output without a summary line, so a failed build is never counted', () => {
    assert.throws(() => parseProcessSummary('ERROR: build failed\n'), /no "INFO: N processes/);
  });
});
