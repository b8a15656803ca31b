import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { checkElfClosure } from './elf-closure-check.ts';
import { archInfo } from './runtime-set.ts';
import { RuntimeTree } from './runtime-tree.ts';
import type { TarEntry } from './tar-archive.ts';

// Real host binaries (Debian x86_64) stand in for package contents.
const ls = readFileSync('/bin/ls');
const file = (path: string, data: Buffer): TarEntry => ({ type: 'file', path, mode: 0o755, linkname: '', data });
const symlink = (path: string, target: string): TarEntry => ({ type: 'symlink', path, mode: 0o777, linkname: target, data: Buffer.alloc(0) });
const host = (path: string): Buffer => readFileSync(path);

function treeWithLs(libs: string[]): RuntimeTree {
  const tree = new RuntimeTree({ mergedUsrAliases: ['bin', 'lib', 'lib64', 'sbin'], trim: () => false });
  tree.addPackage('coreutils', [file('./bin/ls', ls)]);
  tree.addPackage('libc6', [
    symlink('./lib64/ld-linux-x86-64.so.2', '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'),
    file('./lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', host('/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2')),
    ...libs.map((l) => file(`./lib/x86_64-linux-gnu/${l}`, host(`/lib/x86_64-linux-gnu/${l}`))),
  ]);
  return tree;
}

describe('checkElfClosure', () => {
  it('finds every NEEDED library of a complete tree through the merged-/usr links', () => {
    assert.deepEqual(checkElfClosure(treeWithLs(['libc.so.6', 'libselinux.so.1', 'libpcre2-8.so.0']), archInfo('x86_64')), []);
  });

  it('names the binary, its package and the missing library', () => {
    const problems = checkElfClosure(treeWithLs(['libc.so.6', 'libpcre2-8.so.0']), archInfo('x86_64'));
    assert.deepEqual(problems.map((p) => p.replace(/, not found in .*/, '')), ['/usr/bin/ls (coreutils): needs libselinux.so.1']);
  });

  it('reports binaries of the wrong architecture', () => {
    const problems = checkElfClosure(treeWithLs(['libc.so.6', 'libselinux.so.1', 'libpcre2-8.so.0']), archInfo('aarch64'));
    assert.ok(problems.length > 0);
    assert.match(problems[0] as string, /ELF machine 62, expected 183 for aarch64/);
  });

  it('reports a missing interpreter', () => {
    const tree = new RuntimeTree({ mergedUsrAliases: [], trim: () => false });
    tree.addPackage('coreutils', [file('./bin/ls', ls)]);
    assert.ok(checkElfClosure(tree, archInfo('x86_64')).includes('/bin/ls (coreutils): interpreter /lib64/ld-linux-x86-64.so.2 not found'));
  });
});
