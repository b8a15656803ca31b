import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockMarkers, replaceBlock, writeRatio } from './cache-bench-report.ts';
import { Measurement } from './measurement.ts';
import type { ByteStreamResults } from './byte-stream-benchmark.ts';

const markers = blockMarkers(false);

describe('replaceBlock', () => {
  it('creates RESULTS.md with a title and the block when there is none', () => {
    const text = replaceBlock('', markers, 'numbers');
    assert.ok(text.startsWith('# Benchmark results\n\n'));
    assert.ok(text.includes(`${markers.begin}\nnumbers\n${markers.end}`));
  });

  it('replaces only the block and keeps the hand-written text around it', () => {
    const before = `# Results\n\nintro\n\n${markers.begin}\nold\n${markers.end}\n\n## Analysis\nkept\n`;
    const after = replaceBlock(before, markers, 'new');
    assert.equal(after, `# Results\n\nintro\n\n${markers.begin}\nnew\n${markers.end}\n\n## Analysis\nkept\n`);
  });

  it('leaves the other kind of block alone: a profiled run never overwrites the plain numbers', () => {
    const profiled = blockMarkers(true);
    const start = replaceBlock('', markers, 'plain');
    const both = replaceBlock(start, profiled, 'profiled');
    assert.ok(both.includes('plain') && both.includes('profiled'));
    assert.equal(replaceBlock(both, profiled, 'again').includes('plain'), true);
  });
});

function measured(name: string, ...values: number[]): Measurement {
  const m = new Measurement(name, 'MB/s');
  for (const value of values) m.add({ startNs: 0n, endNs: 1n, seconds: 1, value: undefined, ownCpuSeconds: 1 }, value);
  return m;
}

describe('writeRatio', () => {
  it('divides the Write median by the smaller of the SHA-256 and no-fsync disk medians, and names it', () => {
    const results = {
      sha256Node: measured('sha', 1000, 1200, 1100),
      diskWrite: measured('disk', 3000, 3100, 2900),
      write: measured('write', 400, 450, 500),
    } as unknown as ByteStreamResults;
    assert.deepEqual(writeRatio(results), { ratio: 450 / 1100, limit: 1100, limitName: 'SHA-256 (node:crypto)' });
  });

  it('uses the disk when the disk is slower', () => {
    const results = {
      sha256Node: measured('sha', 1000),
      diskWrite: measured('disk', 500),
      write: measured('write', 100),
    } as unknown as ByteStreamResults;
    assert.equal(writeRatio(results).limitName, 'disk write without fsync');
    assert.equal(writeRatio(results).ratio, 0.2);
  });
});
