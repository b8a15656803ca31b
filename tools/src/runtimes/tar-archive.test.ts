import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { normalizeArchivePath, readTarEntries } from './tar-archive.ts';
import { writeTestTar } from './test-archives.ts';

const work = mkdtempSync(join(tmpdir(), 'tar-archive-'));
after(() => rmSync(work, { recursive: true, force: true }));

const LONG_DIR = `usr/share/${'d'.repeat(90)}/${'e'.repeat(90)}`;
const LONG_FILE = `${LONG_DIR}/${'f'.repeat(120)}.txt`;

// A tree with what Debian packages contain: nested directories, an absolute
// and a relative symlink, a hardlink, a name longer than ustar's 100+155 split
// can hold, and a symlink target longer than 100 bytes.
function makeTree(): string {
  const root = mkdtempSync(join(work, 'tree-'));
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  mkdirSync(join(root, LONG_DIR), { recursive: true });
  writeFileSync(join(root, 'usr/bin/gzip'), '#!/bin/sh\necho gzip\n', { mode: 0o755 });
  linkSync(join(root, 'usr/bin/gzip'), join(root, 'usr/bin/gunzip'));
  symlinkSync('/usr/bin/gzip', join(root, 'usr/bin/abs-link'));
  symlinkSync('gzip', join(root, 'usr/bin/rel-link'));
  writeFileSync(join(root, LONG_FILE), 'long\n');
  symlinkSync(`/${LONG_FILE}`, join(root, 'usr/bin/long-link'));
  return root;
}

function gnuTar(format: string): Buffer {
  const root = makeTree();
  return execFileSync('tar', [`--format=${format}`, '--sort=name', '-C', root, '-cf', '-', '.'], { maxBuffer: 1 << 26 });
}

describe('readTarEntries', () => {
  // Plain ustar cannot hold LONG_FILE at all (GNU tar refuses); that is what GNU L/K and pax records are for.
  for (const format of ['gnu', 'pax']) {
    it(`reads files, symlinks, hardlinks and long names from GNU tar --format=${format}`, () => {
      const entries = [...readTarEntries(gnuTar(format), format)];
      const byPath = new Map(entries.map((e) => [normalizeArchivePath(e.path, format), e]));
      // With --sort=name, gunzip comes first and carries the data; gzip is the hardlink to it.
      assert.equal(byPath.get('usr/bin/gunzip')?.type, 'file');
      assert.equal(byPath.get('usr/bin/gunzip')?.data.toString(), '#!/bin/sh\necho gzip\n');
      assert.equal(byPath.get('usr/bin/gunzip')?.mode, 0o755);
      const hard = byPath.get('usr/bin/gzip');
      assert.equal(hard?.type, 'hardlink');
      assert.equal(normalizeArchivePath(hard?.linkname ?? '', format), 'usr/bin/gunzip');
      assert.deepEqual([byPath.get('usr/bin/abs-link')?.type, byPath.get('usr/bin/abs-link')?.linkname], ['symlink', '/usr/bin/gzip']);
      assert.equal(byPath.get('usr/bin/rel-link')?.linkname, 'gzip');
      assert.equal(byPath.get(LONG_FILE)?.data.toString(), 'long\n');
      assert.equal(byPath.get('usr/bin/long-link')?.linkname, `/${LONG_FILE}`);
      assert.equal(byPath.get(LONG_DIR)?.type, 'directory');
    });
  }

  it('joins the ustar prefix field and the name of a path longer than 100 bytes', () => {
    const root = mkdtempSync(join(work, 'ustar-'));
    const dir = `usr/share/${'p'.repeat(60)}/${'q'.repeat(60)}`;
    mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, dir, 'file.txt'), 'prefixed\n');
    const tar = execFileSync('tar', ['--format=ustar', '-C', root, '-cf', '-', dir]);
    const file = [...readTarEntries(tar, 'ustar')].find((e) => e.type === 'file');
    assert.equal(file?.path, `${dir}/file.txt`);
    assert.equal(file?.data.toString(), 'prefixed\n');
  });

  it('rejects a header whose checksum does not match', () => {
    const tar = writeTestTar([{ path: './a', content: 'x' }]);
    tar[0] = 'b'.charCodeAt(0);
    assert.throws(() => [...readTarEntries(tar, 'pkg data.tar')], /^Error: pkg data.tar: tar header checksum mismatch at offset 0/);
  });

  it('rejects an entry whose data runs past the end', () => {
    const tar = writeTestTar([{ path: './a', content: Buffer.alloc(2000) }]);
    assert.throws(() => [...readTarEntries(tar.subarray(0, 1024), 'pkg')], /pkg: tar entry at offset 0 runs past the end/);
  });

  it('rejects device and FIFO entries, naming them', () => {
    const tar = writeTestTar([{ path: './dev/fifo', type: 'fifo' }]);
    assert.throws(() => [...readTarEntries(tar, 'pkg')], /pkg: unsupported tar entry type "6" for ".\/dev\/fifo"/);
  });
});

describe('normalizeArchivePath', () => {
  it('strips ./ prefixes, duplicate and trailing slashes', () => {
    assert.equal(normalizeArchivePath('./usr//bin/', 'x'), 'usr/bin');
    assert.equal(normalizeArchivePath('./', 'x'), '');
    assert.equal(normalizeArchivePath('/etc/hosts', 'x'), 'etc/hosts');
  });

  it('rejects any path that climbs out with ..', () => {
    assert.throws(() => normalizeArchivePath('./usr/../../etc/passwd', 'bash'), /^Error: bash: path ".\/usr\/..\/..\/etc\/passwd" escapes the archive root with ".."$/);
    assert.throws(() => normalizeArchivePath('../x', 'bash'), /escapes the archive root/);
  });
});
