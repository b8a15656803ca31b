import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findAptDebianMirror, resolveDebianMirror } from './debian-mirror.ts';

const root = mkdtempSync(join(tmpdir(), 'debian-mirror-'));
after(() => rmSync(root, { recursive: true, force: true }));

function aptDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(root, 'apt-'));
  mkdirSync(join(dir, 'sources.list.d'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('findAptDebianMirror', () => {
  it('reads a deb822 .sources file and skips the security archive', () => {
    const dir = aptDir({
      'sources.list.d/debian.sources':
        'Types: deb\n# comment\nURIs: http://security.example/debian-security\nSuites: bookworm-security\nComponents: main\n\n' +
        'Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n',
    });
    assert.equal(findAptDebianMirror(dir), 'http://mirror.example/debian');
  });

  it('reads one-line sources.list entries with options and ignores comments and deb-src', () => {
    const dir = aptDir({
      'sources.list': '# deb http://old.example/debian buster main\ndeb-src http://src.example/debian bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] https://m.example/debian/ bookworm main contrib\n',
    });
    assert.equal(findAptDebianMirror(dir), 'https://m.example/debian/');
  });

  it('ignores vendor repositories, disabled entries and files apt would not read', () => {
    const dir = aptDir({
      'sources.list.d/vendor.list': 'deb https://vendor.example/apt cloud-sdk-bookworm main\n',
      'sources.list.d/off.sources': 'Enabled: no\nTypes: deb\nURIs: http://off.example/debian\nSuites: bookworm\nComponents: main\n',
      'sources.list.d/x.list.disabled': 'deb http://disabled.example/debian bookworm main\n',
    });
    assert.equal(findAptDebianMirror(dir), undefined);
  });
});

describe('resolveDebianMirror', () => {
  const dir = aptDir({ 'sources.list': 'deb http://apt.example/debian trixie main\n' });

  it('prefers --mirror, then the environment, then apt', () => {
    assert.equal(resolveDebianMirror('http://flag.example/debian/', { ACTIOND_DEBIAN_MIRROR: 'http://env.example/d' }, dir), 'http://flag.example/debian');
    assert.equal(resolveDebianMirror(undefined, { ACTIOND_DEBIAN_MIRROR: 'http://env.example/d' }, dir), 'http://env.example/d');
    assert.equal(resolveDebianMirror(undefined, {}, dir), 'http://apt.example/debian');
  });

  it('rejects a non-http mirror, naming where it came from', () => {
    assert.throws(() => resolveDebianMirror(undefined, { ACTIOND_DEBIAN_MIRROR: 'ftp://x/debian' }, dir), /^Error: ACTIOND_DEBIAN_MIRROR: expected an http:\/\/ or https:\/\/ mirror URL, got "ftp:\/\/x\/debian"$/);
  });

  it('says how to name a mirror when apt has no Debian archive', () => {
    assert.throws(() => resolveDebianMirror(undefined, {}, aptDir({})), /pass --mirror URL or set ACTIOND_DEBIAN_MIRROR/);
  });
});
