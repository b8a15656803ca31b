import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeNewcCpio } from './newc-cpio.ts';
import type { CpioEntry } from './newc-cpio.ts';

interface ReadMember {
  name: string;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  rdev: [number, number];
  data: Buffer;
}

/** An independent reader of the newc layout, following the kernel's init/initramfs.c rules. */
function readNewc(archive: Buffer): ReadMember[] {
  const members: ReadMember[] = [];
  let off = 0;
  const align = (n: number): number => (n + 3) & ~3;
  for (;;) {
    const header = archive.subarray(off, off + 110).toString('latin1');
    assert.equal(header.slice(0, 6), '070701', `magic at offset ${off}`);
    const field = (i: number): number => Number.parseInt(header.slice(6 + i * 8, 14 + i * 8), 16);
    const nameSize = field(11);
    const name = archive.subarray(off + 110, off + 110 + nameSize - 1).toString();
    assert.equal(archive[off + 110 + nameSize - 1], 0, 'name is NUL-terminated');
    const dataStart = align(off + 110 + nameSize);
    const size = field(6);
    const m: ReadMember = {
      name,
      ino: field(0),
      mode: field(1),
      uid: field(2),
      gid: field(3),
      nlink: field(4),
      mtime: field(5),
      rdev: [field(9), field(10)],
      data: archive.subarray(dataStart, dataStart + size),
    };
    off = align(dataStart + size);
    if (name === 'TRAILER!!!') {
      assert.equal(off, archive.length, 'nothing follows the trailer');
      return members;
    }
    members.push(m);
  }
}

const entries: CpioEntry[] = [
  { type: 'file', path: 'init', mode: 0o755, data: Buffer.from('#!/bin/sh\n') },
  { type: 'dir', path: 'dev', mode: 0o755 },
  { type: 'char', path: 'dev/console', mode: 0o600, major: 5, minor: 1 },
  { type: 'symlink', path: 'dev/fd', target: '/proc/self/fd' },
  { type: 'dir', path: 'tmp', mode: 0o1777 },
  { type: 'file', path: 'odd', mode: 0o644, data: Buffer.from('12345') },
];

describe('writeNewcCpio', () => {
  it('writes members sorted by path, owned by root, with fixed mtimes, types and device numbers', () => {
    const members = readNewc(writeNewcCpio(entries, 1234));
    assert.deepEqual(members.map((m) => m.name), ['dev', 'dev/console', 'dev/fd', 'init', 'odd', 'tmp']);
    assert.deepEqual(members.map((m) => m.ino), [1, 2, 3, 4, 5, 6]);
    for (const m of members) {
      assert.equal(m.uid, 0);
      assert.equal(m.gid, 0);
      assert.equal(m.mtime, 1234);
    }
    const byName = new Map(members.map((m) => [m.name, m]));
    assert.equal(byName.get('dev')?.mode, 0o040755);
    assert.equal(byName.get('dev')?.nlink, 2);
    assert.equal(byName.get('tmp')?.mode, 0o041777);
    assert.equal(byName.get('dev/console')?.mode, 0o020600);
    assert.deepEqual(byName.get('dev/console')?.rdev, [5, 1]);
    assert.equal(byName.get('dev/fd')?.mode, 0o120777);
    assert.equal(byName.get('dev/fd')?.data.toString(), '/proc/self/fd');
    assert.equal(byName.get('init')?.mode, 0o100755);
    assert.equal(byName.get('init')?.data.toString(), '#!/bin/sh\n');
    assert.equal(byName.get('odd')?.data.toString(), '12345');
  });

  it('produces identical bytes for the same members in any order', () => {
    assert.deepEqual(writeNewcCpio(entries), writeNewcCpio([...entries].reverse()));
  });

  it('writes the exact newc header layout for a single file', () => {
    const archive = writeNewcCpio([{ type: 'file', path: 'a', mode: 0o644, data: Buffer.from('hi') }]);
    const expected =
      '070701' + '00000001' + '000081A4' + '00000000' + '00000000' + '00000001' + '00000000' + '00000002' + '00000000' + '00000000' + '00000000' + '00000000' + '00000002' + '00000000' + 'a\0' + 'hi\0\0';
    assert.equal(archive.subarray(0, expected.length).toString('latin1'), expected);
  });

  it('rejects absolute paths, dot-dot components, duplicates and a missing parent directory, naming the member', () => {
    const file = (path: string): CpioEntry => ({ type: 'file', path, mode: 0o644, data: new Uint8Array() });
    assert.throws(() => writeNewcCpio([file('/init')]), /'\/init' must be relative/);
    assert.throws(() => writeNewcCpio([file('a/../b')]), /'a\/\.\.\/b' has an empty, '\.' or '\.\.' component/);
    assert.throws(() => writeNewcCpio([file('x'), file('x')]), /'x' is listed twice/);
    assert.throws(() => writeNewcCpio([file('etc/passwd')]), /'etc\/passwd' needs its parent directory 'etc'/);
    assert.throws(() => writeNewcCpio([{ type: 'file', path: 'x', mode: 0o100644, data: new Uint8Array() }]), /'x' has mode 33188/);
  });

  it('is read back by GNU cpio with the same names, modes, owners and contents', (t) => {
    if (spawnSync('cpio', ['--version']).error !== undefined) {
      t.skip('GNU cpio not installed (vm/install-build-deps.sh installs it)');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'newc-cpio-'));
    try {
      const listing = spawnSync('cpio', ['-itv', '--quiet'], { input: writeNewcCpio(entries), encoding: 'utf8' });
      assert.equal(listing.status, 0, listing.stderr);
      assert.match(listing.stdout, /crw------- +1 root +root +5, +1 .* dev\/console/);
      assert.match(listing.stdout, /lrwxrwxrwx +1 root +root +13 .* dev\/fd -> \/proc\/self\/fd/);
      const nondev = entries.filter((e) => e.type !== 'char');
      const extract = spawnSync('cpio', ['-idm', '--quiet', '--no-absolute-filenames'], { cwd: dir, input: writeNewcCpio(nondev) });
      assert.equal(extract.status, 0, String(extract.stderr));
      assert.equal(readFileSync(join(dir, 'init'), 'utf8'), '#!/bin/sh\n');
      assert.equal(statSync(join(dir, 'init')).mode & 0o7777, 0o755);
      assert.equal(readlinkSync(join(dir, 'dev/fd')), '/proc/self/fd');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
