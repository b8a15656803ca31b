import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RuntimeTree } from './runtime-tree.ts';
import { defaultTrim } from './runtime-trim.ts';
import type { TarEntry } from './tar-archive.ts';

function file(path: string, content: string, mode = 0o644): TarEntry {
  return { type: 'file', path, mode, linkname: '', data: Buffer.from(content) };
}
function dir(path: string): TarEntry {
  return { type: 'directory', path, mode: 0o755, linkname: '', data: Buffer.alloc(0) };
}
function symlink(path: string, target: string): TarEntry {
  return { type: 'symlink', path, mode: 0o777, linkname: target, data: Buffer.alloc(0) };
}
function hardlink(path: string, target: string): TarEntry {
  return { type: 'hardlink', path, mode: 0o755, linkname: target, data: Buffer.alloc(0) };
}

const merged = () => new RuntimeTree({ mergedUsrAliases: ['bin', 'lib', 'lib64', 'sbin'], trim: defaultTrim });
const split = () => new RuntimeTree({ mergedUsrAliases: [], trim: defaultTrim });

describe('RuntimeTree', () => {
  it('moves /bin, /lib and /lib64 into /usr on a merged-/usr runtime and links the old names', () => {
    const tree = merged();
    tree.addPackage('bash', [dir('./'), dir('./bin/'), file('./bin/bash', 'ELF', 0o755), dir('./usr/'), dir('./usr/bin/'), file('./usr/bin/bashbug', 'sh')]);
    tree.addPackage('libc6', [dir('./lib64/'), symlink('./lib64/ld-linux-x86-64.so.2', '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'), file('./lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', 'ld')]);
    assert.deepEqual(tree.get('bin'), { kind: 'symlink', target: 'usr/bin', owner: '(merged /usr)' });
    assert.equal(tree.get('usr/bin/bash')?.kind, 'file');
    assert.equal(tree.get('usr/lib64/ld-linux-x86-64.so.2')?.kind, 'symlink');
    assert.equal(tree.resolve('/lib64/ld-linux-x86-64.so.2')?.path, 'usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2');
    assert.equal(tree.resolve('bin/bash')?.path, 'usr/bin/bash');
  });

  it('accepts a package that ships the merged-/usr symlink itself, and rejects one that contradicts it', () => {
    const tree = merged();
    tree.addPackage('base-files', [symlink('./bin', 'usr/bin')]);
    assert.throws(() => tree.addPackage('evil', [symlink('./lib', '/tmp')]), /^Error: evil: ships \/lib as a symlink, but it is the merged-\/usr symlink to usr\/lib$/);
  });

  it('keeps /bin a real directory on a split-/usr runtime', () => {
    const tree = split();
    tree.addPackage('bash', [dir('./bin/'), file('./bin/bash', 'ELF', 0o755)]);
    assert.equal(tree.get('bin')?.kind, 'directory');
    assert.equal(tree.get('bin/bash')?.kind, 'file');
  });

  it('refuses to write through a symlink, so no package can reach outside the tree', () => {
    const tree = split();
    tree.addPackage('a', [symlink('./etc/evil', '/'), symlink('./usr/lib/x', '../../..')]);
    assert.throws(() => tree.addPackage('b', [file('./etc/evil/etc/passwd', 'x')]), /^Error: b: etc\/evil\/etc\/passwd would be written through the symlink etc\/evil -> \/$/);
    assert.throws(() => tree.addPackage('c', [file('./usr/lib/x/y', 'x')]), /written through the symlink usr\/lib\/x/);
  });

  it('rejects paths that climb out with ..', () => {
    assert.throws(() => split().addPackage('evil', [file('./usr/../../escape', 'x')]), /evil: path ".\/usr\/..\/..\/escape" escapes the archive root/);
  });

  it('shares one file object between hardlinked paths, even when the first path is trimmed', () => {
    const tree = split();
    tree.addPackage('gzip', [file('./bin/gzip', 'ELF', 0o755), hardlink('./bin/gunzip', './bin/gzip'), file('./usr/share/doc/gzip/README', 'docs'), hardlink('./usr/bin/readme', './usr/share/doc/gzip/README')]);
    assert.equal(tree.get('bin/gunzip'), tree.get('bin/gzip'));
    assert.equal(tree.get('usr/share/doc/gzip/README'), undefined);
    assert.equal((tree.get('usr/bin/readme') as { data: Buffer }).data.toString(), 'docs');
  });

  it('rejects a hardlink to a path its package did not ship', () => {
    assert.throws(() => split().addPackage('p', [hardlink('./bin/x', './bin/missing')]), /p: hardlink .\/bin\/x points to ".\/bin\/missing", which the package did not ship before it/);
  });

  it('rejects two packages shipping different contents at one path, and allows identical ones', () => {
    const tree = merged();
    tree.addPackage('a', [file('./bin/x', 'one')]);
    tree.addPackage('b', [file('./usr/bin/x', 'one')]);
    assert.throws(() => tree.addPackage('c', [file('./usr/bin/x', 'two')]), /^Error: c: conflict at usr\/bin\/x: it ships a file, but the tree already has a file from a$/);
  });

  it('trims documentation, manuals and translations but keeps copyright notices and locale data', () => {
    const tree = split();
    tree.addPackage('libc-bin', [
      file('./usr/share/doc/libc-bin/copyright', 'LGPL'),
      file('./usr/share/doc/libc-bin/changelog.Debian.gz', 'log'),
      file('./usr/share/man/man1/ldd.1.gz', 'man'),
      file('./usr/share/locale/de/LC_MESSAGES/libc.mo', 'mo'),
      file('./usr/share/lintian/overrides/libc-bin', 'l'),
      file('./usr/lib/locale/C.utf8/LC_CTYPE', 'ctype'),
      symlink('./usr/share/doc/libc-l10n', 'libc-bin'),
    ]);
    const paths = tree.entries().map(([p]) => p).filter((p) => p.startsWith('usr/share') || p.startsWith('usr/lib/locale/'));
    assert.deepEqual(paths, ['usr/share', 'usr/share/doc', 'usr/share/doc/libc-bin', 'usr/share/doc/libc-bin/copyright', 'usr/share/doc/libc-l10n', 'usr/lib/locale/C.utf8', 'usr/lib/locale/C.utf8/LC_CTYPE'].sort());
  });

  it('drops setuid and setgid bits', () => {
    const tree = split();
    tree.addPackage('p', [file('./usr/bin/su', 'ELF', 0o4755)]);
    assert.equal((tree.get('usr/bin/su') as { mode: number }).mode, 0o755);
  });

  it('resolves relative and absolute symlinks inside the tree and reports loops as unresolved', () => {
    const tree = split();
    tree.addPackage('p', [file('./usr/lib/libz.so.1.3', 'ELF'), symlink('./usr/lib/libz.so.1', 'libz.so.1.3'), symlink('./lib/libz.so.1', '../usr/lib/libz.so.1'), symlink('./a', 'b'), symlink('./b', 'a')]);
    assert.equal(tree.resolve('lib/libz.so.1')?.path, 'usr/lib/libz.so.1.3');
    assert.equal(tree.resolve('a'), undefined);
    assert.equal(tree.resolve('usr/lib/libz.so.1.3/x'), undefined);
  });

  it('lists entries sorted by path with the root first', () => {
    const tree = split();
    tree.addPackage('p', [file('./b', ''), file('./a/z', ''), file('./a-b', '')]);
    assert.deepEqual(tree.entries().map(([p]) => p), ['', 'a', 'a-b', 'a/z', 'b']);
  });
});
