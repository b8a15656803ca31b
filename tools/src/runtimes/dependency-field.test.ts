import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDependencyField, parseProvidesField } from './dependency-field.ts';

describe('parseDependencyField', () => {
  it('reads groups, alternatives and version constraints', () => {
    assert.deepEqual(parseDependencyField('libc6 (>= 2.34), dpkg (>= 1.15.4) | install-info,libpcre3', 'grep'), [
      [{ name: 'libc6', relation: '>=', version: '2.34' }],
      [{ name: 'dpkg', relation: '>=', version: '1.15.4' }, { name: 'install-info' }],
      [{ name: 'libpcre3' }],
    ]);
  });

  it('drops architecture qualifiers and maps the obsolete < and > relations', () => {
    assert.deepEqual(parseDependencyField('python3:any (< 3.12), libfoo (> 1)', 'x'), [
      [{ name: 'python3', relation: '<=', version: '3.12' }],
      [{ name: 'libfoo', relation: '>=', version: '1' }],
    ]);
  });

  it('accepts epochs and tildes in versions', () => {
    assert.deepEqual(parseDependencyField('libattr1 (>= 1:2.4.44), libselinux1 (>= 3.1~)', 'x'), [
      [{ name: 'libattr1', relation: '>=', version: '1:2.4.44' }],
      [{ name: 'libselinux1', relation: '>=', version: '3.1~' }],
    ]);
  });

  it('rejects an unreadable dependency, naming the package that declared it', () => {
    assert.throws(() => parseDependencyField('libc6 (>= 2.34', 'coreutils'), /^Error: coreutils: cannot parse dependency "libc6 \(>= 2.34"$/);
  });
});

describe('parseProvidesField', () => {
  it('reads provided names with their versions', () => {
    assert.deepEqual(parseProvidesField('libgcc1 (= 1:12.2.0-14), rgrep', 'x'), [
      { name: 'libgcc1', relation: '=', version: '1:12.2.0-14' },
      { name: 'rgrep' },
    ]);
  });

  it('rejects alternatives', () => {
    assert.throws(() => parseProvidesField('a | b', 'pkg'), /pkg: Provides may not contain alternatives/);
  });
});
