import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { ActiondError, BadRequestDetail } from '@actiond/status';
import { InstanceNames, instanceNameProblem } from './instance-names.ts';

describe('InstanceNames', () => {
  it('serves only "" by default', () => {
    assert.deepEqual(InstanceNames.DEFAULT.names, ['']);
    assert.ok(InstanceNames.DEFAULT.has(''));
    assert.ok(!InstanceNames.DEFAULT.has('main'));
    InstanceNames.DEFAULT.check('');
  });

  it('rejects an unknown name with INVALID_ARGUMENT naming it and the served names', () => {
    const names = new InstanceNames(['', 'main', 'team/linux']);
    names.check('team/linux');
    assert.throws(
      () => names.check('other', 'resource_name'),
      (err: unknown) => {
        assert.ok(err instanceof ActiondError);
        assert.equal(err.code, status.INVALID_ARGUMENT);
        assert.equal(err.message, 'unknown instance name "other"; this server serves "", "main", "team/linux"');
        assert.equal(err.findDetails(BadRequestDetail)[0]?.fieldViolations[0]?.field, 'resource_name');
        return true;
      },
    );
  });

  it('says "only" when a single name is served', () => {
    assert.throws(() => InstanceNames.DEFAULT.check('main'), /this server serves only ""$/);
  });

  it('refuses to serve names clients could not address', () => {
    for (const bad of ['/main', 'main/', 'a//b', 'a/../b', '.', 'blobs', 'team/uploads', 'compressed-blobs/x', 'actionResults']) {
      assert.throws(() => new InstanceNames([bad]), RangeError, bad);
      assert.notEqual(instanceNameProblem(bad), undefined);
    }
    assert.throws(() => new InstanceNames([]), /at least one instance name/);
  });

  it('accepts multi-segment names and deduplicates', () => {
    assert.deepEqual(new InstanceNames(['a/b/c', '', 'a/b/c']).names, ['a/b/c', '']);
  });
});
