import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ArchiveIndexFetcher } from './archive-index-fetcher.ts';
import { parseReleaseSha256, verifyInRelease } from './signed-release.ts';
import { startTestMirror } from './test-mirror.ts';
import type { TestMirror } from './test-mirror.ts';

// A throwaway OpenPGP key stands in for the Debian archive key, so the whole
// InRelease → Packages.xz chain is checked without the network.
const work = mkdtempSync(join(tmpdir(), 'signed-release-'));
const homes: string[] = [];

function newKey(name: string): { keyring: string; sign: (text: string) => Buffer } {
  const home = mkdtempSync(join(work, 'gnupg-'));
  homes.push(home);
  const gpg = (args: string[], input?: string): Buffer =>
    execFileSync('gpg', ['--homedir', home, '--batch', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { input, stdio: ['pipe', 'pipe', 'ignore'] });
  gpg(['--quick-gen-key', `${name} <${name}@example.invalid>`, 'ed25519', 'sign', 'never']);
  const keyring = join(home, 'keyring.gpg');
  writeFileSync(keyring, gpg(['--export']));
  return { keyring, sign: (text) => gpg(['--clearsign'], text) };
}

const packages = 'Package: hello\nVersion: 1.0-1\nFilename: pool/main/h/hello/hello_1.0-1_amd64.deb\nSize: 10\nSHA256: ' + 'd'.repeat(64) + '\n\n';
const packagesXz = execFileSync('xz', ['-c'], { input: packages });
const release = (xz: Buffer): string =>
  `Origin: Test\nCodename: test\nSHA256:\n ${createHash('sha256').update(xz).digest('hex')} ${String(xz.length).padStart(8)} main/binary-amd64/Packages.xz\n ${'e'.repeat(64)}      123 main/binary-arm64/Packages.xz\n`;

let archive: ReturnType<typeof newKey>;
let stranger: ReturnType<typeof newKey>;
let mirror: TestMirror;

before(async () => {
  archive = newKey('archive');
  stranger = newKey('stranger');
  mirror = await startTestMirror(
    new Map([
      ['dists/test/InRelease', archive.sign(release(packagesXz))],
      ['dists/test/main/binary-amd64/Packages.xz', packagesXz],
    ]),
  );
});
after(async () => {
  await mirror.close();
  for (const home of homes) execFileSync('gpgconf', ['--homedir', home, '--kill', 'gpg-agent'], { stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
});

describe('verifyInRelease', () => {
  it('returns exactly the signed text', async () => {
    const signed = archive.sign('Codename: test\n');
    const withJunk = Buffer.concat([Buffer.from('Codename: evil\n'), signed]);
    assert.equal(await verifyInRelease(withJunk, archive.keyring, 'test'), 'Codename: test\n');
  });

  it('rejects a modified InRelease', async () => {
    const tampered = Buffer.from(archive.sign('Codename: test\n').toString().replace('Codename: test', 'Codename: tesx'));
    await assert.rejects(verifyInRelease(tampered, archive.keyring, 'test/InRelease'), /^Error: test\/InRelease: InRelease signature not valid against .*BAD signature/s);
  });

  it('rejects a signature by a key outside the keyring', async () => {
    await assert.rejects(verifyInRelease(stranger.sign('Codename: test\n'), archive.keyring, 'test/InRelease'), /test\/InRelease: InRelease signature not valid/);
  });

  it('rejects an unsigned file', async () => {
    await assert.rejects(verifyInRelease(Buffer.from('Codename: test\n'), archive.keyring, 'x'), /x: InRelease signature not valid/);
  });
});

describe('parseReleaseSha256', () => {
  it('maps each listed path to its size and hash', () => {
    const files = parseReleaseSha256(release(packagesXz), 'r');
    assert.deepEqual(files.get('main/binary-arm64/Packages.xz'), { size: 123, sha256: 'e'.repeat(64) });
  });
});

describe('ArchiveIndexFetcher', () => {
  it('reads a Packages.xz whose hash the signed Release lists', async () => {
    const index = await new ArchiveIndexFetcher(mirror.url, archive.keyring).packageIndex('test', 'amd64');
    assert.equal(index.get('hello')?.version, '1.0-1');
    assert.equal(index.label, 'test/main/binary-amd64');
  });

  it('rejects a Packages.xz that differs from what the Release lists', async () => {
    mirror.files.set('dists/test/main/binary-amd64/Packages.xz', execFileSync('xz', ['-c'], { input: packages.replace('1.0-1', '6.6-6') }));
    try {
      await assert.rejects(new ArchiveIndexFetcher(mirror.url, archive.keyring).packageIndex('test', 'amd64'), /^Error: test\/main\/binary-amd64\/Packages.xz: does not match the signed Release: expected \d+ bytes with SHA-256 [0-9a-f]{64}, got/);
    } finally {
      mirror.files.set('dists/test/main/binary-amd64/Packages.xz', packagesXz);
    }
  });

  it('rejects a suite whose InRelease is signed by another key', async () => {
    await assert.rejects(new ArchiveIndexFetcher(mirror.url, stranger.keyring).packageIndex('test', 'amd64'), /test\/InRelease: InRelease signature not valid/);
  });
});
