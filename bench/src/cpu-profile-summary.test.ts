import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { profileCovers, summarizeProfile, type CpuProfile } from './cpu-profile-summary.ts';

// Samples at t = 1000, 1010, 1030, 1060, 1100 µs; each lasts until the next.
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
    { id: 2, callFrame: { functionName: 'hash', url: 'file:///repo/libs/x/src/hash.ts', lineNumber: 9 } },
    { id: 3, callFrame: { functionName: '', url: 'file:///repo/node_modules/.pnpm/@grpc+grpc-js@1.14.7/node_modules/@grpc/grpc-js/build/src/server.js', lineNumber: 0 } },
  ],
  startTime: 990,
  endTime: 1200,
  samples: [2, 3, 1, 2, 2],
  timeDeltas: [10, 10, 20, 30, 40],
};

const us = (n: number): bigint => BigInt(n) * 1000n;

describe('summarizeProfile', () => {
  it('counts each sample until the next one, only inside the intervals, and leaves idle out of the shares', () => {
    const summary = summarizeProfile(profile, [{ startNs: us(1000), endNs: us(1061) }], '/repo');
    assert.equal(summary.sampledMs, (10 + 20 + 30 + 40) / 1000);
    assert.equal(summary.idleMs, 30 / 1000);
    assert.deepEqual(summary.top.map((f) => [f.frame, f.selfMs * 1000]), [
      ['hash libs/x/src/hash.ts:10', 50],
      ['(anonymous) @grpc/grpc-js/build/src/server.js:1', 20],
    ]);
    assert.ok(Math.abs(summary.top[0]!.share - 50 / 70) < 1e-9);
  });

  it('finds nothing outside the intervals', () => {
    assert.equal(summarizeProfile(profile, [{ startNs: us(2000), endNs: us(3000) }], '/repo').sampledMs, 0);
  });
});

describe('profileCovers', () => {
  it('tells whether intervals lie within the profile', () => {
    assert.equal(profileCovers(profile, [{ startNs: us(1000), endNs: us(1100) }]), true);
    assert.equal(profileCovers(profile, [{ startNs: us(100), endNs: us(1100) }]), false);
  });
});
