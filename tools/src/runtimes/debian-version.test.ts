import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareDebianVersions, parseDebianVersion, satisfiesRelation } from './debian-version.ts';

describe('compareDebianVersions', () => {
  const ordered: Array<[string, string]> = [
    ['1.0', '1.1'],
    ['1.9', '1.10'],
    ['1.0~rc1', '1.0'],
    ['1.0~~', '1.0~'],
    ['1.0', '1.0a'],
    ['1.0a', '1.0+'],
    ['2.36-9', '2.36-9+deb12u1'],
    ['2.36-9+deb12u9', '2.36-9+deb12u10'],
    ['5.2.15-2+b2', '5.2.15-2+b13'],
    ['9.9', '1:0.1'],
    ['3.8-4', '1:3.8-4'],
  ];
  for (const [low, high] of ordered) {
    it(`orders ${low} before ${high}`, () => {
      assert.ok(compareDebianVersions(low, high) < 0);
      assert.ok(compareDebianVersions(high, low) > 0);
    });
  }

  it('treats leading zeros and an explicit zero epoch as equal', () => {
    assert.equal(compareDebianVersions('0:1.02', '1.2'), 0);
  });

  it('splits the revision at the last hyphen only', () => {
    assert.deepEqual(parseDebianVersion('1:2.4-48-beta-3'), { epoch: 1, upstream: '2.4-48-beta', revision: '3' });
  });

  it('rejects a version that does not start with a digit, naming it', () => {
    assert.throws(() => parseDebianVersion('abc'), /invalid Debian version "abc"/);
    assert.throws(() => parseDebianVersion('x:1.0'), /invalid Debian version "x:1.0": epoch/);
  });
});

describe('satisfiesRelation', () => {
  it('checks each of the five dependency relations', () => {
    assert.ok(satisfiesRelation('2.36-9', '>=', '2.34'));
    assert.ok(!satisfiesRelation('2.31-13', '>=', '2.34'));
    assert.ok(satisfiesRelation('2.36-9', '>>', '2.36'));
    assert.ok(satisfiesRelation('2.36-9', '<<', '2.37'));
    assert.ok(satisfiesRelation('12.2.0-14', '=', '12.2.0-14'));
    assert.ok(!satisfiesRelation('12.2.0-14+deb12u1', '=', '12.2.0-14'));
    assert.ok(satisfiesRelation('1.0', '<=', '1.0'));
  });
});
