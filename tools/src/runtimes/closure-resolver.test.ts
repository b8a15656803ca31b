import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveClosure } from './closure-resolver.ts';
import { PackageIndex } from './package-index.ts';

function stanza(name: string, version: string, fields: Record<string, string> = {}): string {
  const extra = Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}\n`)
    .join('');
  return `Package: ${name}\nVersion: ${version}\nFilename: pool/main/${name[0]}/${name}/${name}_${version}_amd64.deb\nSize: 100\nSHA256: ${'a'.repeat(64)}\n${extra}\n`;
}

const index = PackageIndex.parse(
  'test/main/binary-amd64',
  [
    stanza('libc6', '2.36-9', { Depends: 'libgcc-s1' }),
    stanza('libgcc-s1', '12.2.0-14', { Depends: 'gcc-12-base (= 12.2.0-14), libc6 (>= 2.35)', Provides: 'libgcc1 (= 1:12.2.0-14)' }),
    stanza('gcc-12-base', '12.2.0-14'),
    stanza('bash', '5.2.15-2', { 'Pre-Depends': 'libc6 (>= 2.36), libtinfo6 (>= 6)', Depends: 'base-files (>= 2.1.12), debianutils (>= 5.6-0.1)' }),
    stanza('libtinfo6', '6.4-4', { Depends: 'libc6 (>= 2.33)' }),
    stanza('grep', '3.8-5', { Depends: 'dpkg (>= 1.15.4) | install-info', 'Pre-Depends': 'libc6 (>= 2.34), libpcre2-8-0 (>= 10.32)' }),
    stanza('libpcre2-8-0', '10.42-1'),
    stanza('dash', '0.5.11', { Depends: 'debconf (>= 0.5) | debconf-2.0' }),
    stanza('needs-awk', '1', { Depends: 'awk' }),
    stanza('mawk', '1.3.4', { Provides: 'awk' }),
    stanza('gawk', '5.2', { Provides: 'awk' }),
    stanza('needs-newer-libc', '1', { Depends: 'libc6 (>= 2.38)' }),
    stanza('bash', '5.1-2'),
  ].join(''),
);
const excluded = new Set(['base-files', 'debianutils', 'dpkg', 'install-info', 'debconf', 'debconf-2.0']);

describe('resolveClosure', () => {
  it('follows Pre-Depends and Depends and stops at the excluded set', () => {
    const closure = resolveClosure(index, ['bash', 'grep'], excluded);
    assert.deepEqual(
      closure.map((r) => `${r.pkg.name}=${r.pkg.version} via ${r.via}`),
      [
        'bash=5.2.15-2 via root',
        'gcc-12-base=12.2.0-14 via libgcc-s1',
        'grep=3.8-5 via root',
        'libc6=2.36-9 via bash',
        'libgcc-s1=12.2.0-14 via libc6',
        'libpcre2-8-0=10.42-1 via grep',
        'libtinfo6=6.4-4 via bash',
      ],
    );
  });

  it('skips a group whose every remaining alternative is excluded', () => {
    assert.deepEqual(
      resolveClosure(index, ['dash'], excluded).map((r) => r.pkg.name),
      ['dash'],
    );
  });

  it('counts a chosen package as satisfying what it provides', () => {
    const withProvider = resolveClosure(index, ['mawk', 'needs-awk'], excluded).map((r) => r.pkg.name);
    assert.deepEqual(withProvider, ['mawk', 'needs-awk']);
  });

  it('refuses to guess between several providers of a virtual package', () => {
    assert.throws(() => resolveClosure(index, ['needs-awk'], excluded), /needs-awk depends on virtual awk, provided by mawk, gawk/);
  });

  it('fails naming the package, the dependency and the version the index has', () => {
    assert.throws(
      () => resolveClosure(index, ['needs-newer-libc'], excluded),
      /^Error: test\/main\/binary-amd64: cannot satisfy needs-newer-libc's dependency libc6 \(>= 2.38\): libc6 2.36-9 does not satisfy libc6 \(>= 2.38\)$/,
    );
  });

  it('fails on a root missing from the index', () => {
    assert.throws(() => resolveClosure(index, ['zsh'], excluded), /root package zsh is not in the index/);
  });

  it('fails when an excluded package is a root', () => {
    assert.throws(() => resolveClosure(index, ['dash'], new Set(['dash'])), /dash is both needed \(via root\) and excluded/);
  });
});
