import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { ActiondError } from '@actiond/status';
import { formatDuration, TimeoutPolicy } from './timeout-policy.ts';

const policy = new TimeoutPolicy({ defaultMs: 15 * 60_000, maxMs: 60 * 60_000 });

function invalid(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ActiondError);
    assert.equal(err.code, status.INVALID_ARGUMENT);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('TimeoutPolicy', () => {
  it('applies the default to an action without a timeout, or with a zero one', () => {
    assert.equal(policy.resolve(undefined), 15 * 60_000);
    assert.equal(policy.resolve({ seconds: 0, nanos: 0 }), 15 * 60_000);
  });

  it('honours a requested timeout up to the maximum, rounding nanoseconds up to milliseconds', () => {
    assert.equal(policy.resolve({ seconds: 90, nanos: 0 }), 90_000);
    assert.equal(policy.resolve({ seconds: 1, nanos: 1 }), 1001);
    assert.equal(policy.resolve({ seconds: 3600, nanos: 0 }), 3_600_000);
    assert.equal(policy.resolve({ seconds: 20 * 60, nanos: 0 }), 20 * 60_000, 'above the default is fine');
  });

  it('rejects a timeout above the maximum as INVALID_ARGUMENT naming both', () => {
    invalid(() => policy.resolve({ seconds: 7200, nanos: 0 }), /Action\.timeout 2h exceeds this server's maximum action timeout of 1h/);
    invalid(() => policy.resolve({ seconds: 3600, nanos: 1 }), /3600\.000000001s exceeds .* 1h/);
    invalid(() => policy.resolve({ seconds: 315_576_000_000, nanos: 0 }), /exceeds/);
  });

  it('rejects a negative timeout as INVALID_ARGUMENT', () => {
    invalid(() => policy.resolve({ seconds: -5, nanos: 0 }), /Action\.timeout is negative \(-5s 0ns\)/);
    invalid(() => policy.resolve({ seconds: 0, nanos: -1 }), /negative/);
  });

  it('rejects a malformed Duration as INVALID_ARGUMENT', () => {
    invalid(() => policy.resolve({ seconds: 1, nanos: 1_000_000_000 }), /not a valid Duration/);
    invalid(() => policy.resolve({ seconds: 1, nanos: -5 }), /not a valid Duration/);
  });

  it('refuses a default above the maximum or a non-positive bound', () => {
    assert.throws(() => new TimeoutPolicy({ defaultMs: 2 * 3_600_000, maxMs: 3_600_000 }), /default action timeout \(2h\) is above the maximum \(1h\)/);
    assert.throws(() => new TimeoutPolicy({ defaultMs: 0, maxMs: 1000 }), /default action timeout must be a positive/);
    assert.throws(() => new TimeoutPolicy({ defaultMs: 1000, maxMs: Number.NaN }), /maximum action timeout must be a positive/);
  });
});

describe('formatDuration', () => {
  it('writes hours, minutes and seconds as flags take them', () => {
    assert.equal(formatDuration(250), '250ms');
    assert.equal(formatDuration(15 * 60_000), '15m');
    assert.equal(formatDuration(90_500), '1m30.5s');
    assert.equal(formatDuration(3_600_000 + 1000), '1h1s');
  });
});
