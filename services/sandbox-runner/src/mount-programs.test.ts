import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MOUNT_PROGRAM, UMOUNT_PROGRAM } from './mount-programs.ts';

test('mount and umount are found by absolute path, whatever PATH the server has', () => {
  assert.match(MOUNT_PROGRAM, /^\/.*\/mount$/);
  assert.match(UMOUNT_PROGRAM, /^\/.*\/umount$/);
});
