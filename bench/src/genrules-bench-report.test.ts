import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatGenrulesReport, wallRatio, type GenrulesBenchReport } from './genrules-bench-report.ts';

function report(actiond: number[], sandbox: number[]): GenrulesBenchReport {
  return {
    date: '2026-11-21T00:00:00Z',
    machine: { cpus: 2, cpuModel: 'test', nodeVersion: 'v24', filesystem: 'ext4', memoryBytes: 2 ** 30, loadAverageAtStart: '1 1 1' },
    bazelVersion: 'Bazel 4.2.3',
    parameters: { rounds: actiond.length, warmups: 3, genrules: 200, jobs: undefined },
    actiond: { wallMs: actiond, cpuSeconds: actiond.map(() => ({ 'Bazel server': 3, 'actiond (Node)': 2 })), summary: 'INFO: 201 processes: 1 internal, 200 remote.' },
    sandbox: { wallMs: sandbox, cpuSeconds: sandbox.map(() => ({ 'Bazel server': 4 })), summary: 'INFO: 201 processes: 1 internal, 200 linux-sandbox.' },
    totalSeconds: 60,
  };
}

describe('formatGenrulesReport', () => {
  it('takes the ratio of the medians, and a ratio just over 1 is a miss that says by how much', () => {
    const slow = report([3010, 3020, 5000], [3000, 2000, 3000]);
    assert.equal(wallRatio(slow), 3020 / 3000);
    assert.match(formatGenrulesReport(slow), /\| 1\.007 \| ≤ 1\.0 \| \*\*no\*\*, 0\.7% slower \|/);
  });

  it('meets the target at or below 1, and reports the CPU of each process and the CPU ratio', () => {
    const text = formatGenrulesReport(report([2000, 2100, 1900], [2000, 2200, 2100]));
    assert.match(text, /\| 0\.952 \| ≤ 1\.0 \| yes \|/);
    assert.match(text, /total 5\.00 s: Bazel server 3\.00 s, actiond \(Node\) 2\.00 s/);
    assert.match(text, /CPU per build, actiond ÷ linux-sandbox: 1\.25/);
  });
});
