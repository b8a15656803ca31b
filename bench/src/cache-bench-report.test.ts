import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeRatio } from './cache-bench-report.ts';
import { Measurement } from './measurement.ts';
import type { ByteStreamResults } from './byte-stream-benchmark.ts';

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
