import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatExecuteReport, type ExecuteBenchReport } from './execute-bench-report.ts';
import type { ExplainedExecuteRun } from './execute-runs.ts';

function run(e2eMs: number, materializationMs: number, bytesCopied = 0): ExplainedExecuteRun {
  return {
    e2eMs,
    response: {} as ExplainedExecuteRun['response'],
    timings: {
      phases: new Map([['input materialization', materializationMs], ['run', 3]]),
      totalMs: materializationMs + 3,
      filesLinked: 10_000,
      bytesLinked: 1,
      filesCopied: bytesCopied > 0 ? 1 : 0,
      bytesCopied,
    },
  };
}

function report(e2e: number[], materialization: number, bytesCopied = 0): ExecuteBenchReport {
  return {
    date: '2026-11-21T00:00:00Z',
    machine: { cpus: 2, cpuModel: 'test', nodeVersion: 'v24', filesystem: 'ext4', memoryBytes: 2 ** 30, loadAverageAtStart: '1 1 1' },
    parameters: { rounds: 1, runsPerRound: e2e.length, wideRuns: 1, wideFiles: 10_000 },
    executes: [{ name: 'true', note: 'n', rounds: [e2e.map((ms) => run(ms, 0.1))], serverCpuMs: [4] }],
    baselines: [{ name: 'b', note: 'w', rounds: [[2, 3]] }],
    ratios: [{ execute: 'true', baseline: 'b' }],
    wide: { files: 10_000, bytes: 1, direct: [], executes: [run(300, materialization, bytesCopied)], executesApart: [run(250, materialization)], gapMs: 2000 },
    totalSeconds: 1,
  };
}

describe('formatExecuteReport', () => {
  it('meets the targets only under 10 ms end to end and 150 ms with nothing copied', () => {
    const text = formatExecuteReport(report([8, 9, 9.5], 120));
    assert.match(text, /\| Execute of true, end to end, p50 \| 9\.00 ms \| < 10 ms \| yes \|/);
    assert.match(text, /back to back, median \| 120\.00 ms, 0 bytes copied \| < 150 ms, 0 bytes copied \| yes \|/);
  });

  it('says by how much a target is missed, and that copied bytes miss the materialization target', () => {
    const text = formatExecuteReport(report([12, 13, 14], 100, 77));
    assert.match(text, /p50 \| 13\.00 ms \| < 10 ms \| \*\*no\*\*, 3\.00 ms over \|/);
    assert.match(text, /back to back, median \| 100\.00 ms, 77 bytes copied .* \*\*no\*\*, 77 bytes copied \|/);
    assert.match(text, /true ÷ b: 5\.20 → \*\*5\.20\*\*/);
  });
});
