import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverCgroupParent } from './server-cgroup-parent.ts';

test('servers on different roots get different parent cgroups', () => {
  assert.notEqual(serverCgroupParent('/tmp/actiond-e2e/linux/actiond-root'), serverCgroupParent('/tmp/actiond-serve-x1'));
  assert.notEqual(serverCgroupParent('/var/lib/actiond'), serverCgroupParent('/var/lib/actiond2'));
});

test('a restart on the same root gets the same parent cgroup, however the root is spelled', () => {
  const parent = serverCgroupParent('/var/lib/actiond');
  assert.equal(serverCgroupParent('/var/lib/actiond/'), parent);
  assert.equal(serverCgroupParent('/var/lib/../lib/actiond'), parent);
  assert.equal(serverCgroupParent('actiond', undefined), serverCgroupParent(`${process.cwd()}/actiond`));
});

test('the parent is one short cgroup name below the base, whatever the root path holds', () => {
  const long = `/${'a'.repeat(300)}/with space/and\nnewline`;
  for (const root of ['/var/lib/actiond', long]) {
    assert.match(serverCgroupParent(root), /^actiond\/root-[0-9a-f]{16}$/);
    assert.match(serverCgroupParent(root, 'actiond-test-1'), /^actiond-test-1\/root-[0-9a-f]{16}$/);
  }
});
