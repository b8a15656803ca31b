import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mountsInside, readMounts } from './mount-table.ts';

const TEXT = [
  '/dev/vda / ext4 rw,relatime 0 0',
  '/dev/loop0 /tmp/bench-x/root/runtimes/abc squashfs ro 0 0',
  '/dev/loop1 /tmp/bench-x/root/runtimes/abc/inner squashfs ro 0 0',
  '/dev/loop2 /tmp/bench-xy/root squashfs ro 0 0',
  '/dev/loop3 /tmp/with\\040space ext4 rw 0 0',
].join('\n');

describe('readMounts', () => {
  it('reads device, unescaped mount point and type', () => {
    const mounts = readMounts(TEXT);
    assert.equal(mounts.length, 5);
    assert.deepEqual(mounts[4], { device: '/dev/loop3', mountPoint: '/tmp/with space', type: 'ext4' });
  });
});

describe('mountsInside', () => {
  it('lists only mounts strictly inside the directory, not a sibling sharing its prefix, deepest first', () => {
    assert.deepEqual(mountsInside('/tmp/bench-x', readMounts(TEXT)), ['/tmp/bench-x/root/runtimes/abc/inner', '/tmp/bench-x/root/runtimes/abc']);
  });
});
