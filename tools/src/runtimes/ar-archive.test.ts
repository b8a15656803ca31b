import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readArMembers } from './ar-archive.ts';
import { writeTestAr } from './test-archives.ts';

const work = mkdtempSync(join(tmpdir(), 'ar-archive-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('readArMembers', () => {
  it('reads members written by binutils ar, including odd sizes that need padding', () => {
    writeFileSync(join(work, 'debian-binary'), '2.0\n');
    writeFileSync(join(work, 'odd.bin'), Buffer.from([1, 2, 3]));
    writeFileSync(join(work, 'data.tar.xz'), 'payload');
    execFileSync('ar', ['rcD', join(work, 'x.a'), 'debian-binary', 'odd.bin', 'data.tar.xz'], { cwd: work });
    const members = readArMembers(readFileSync(join(work, 'x.a')), 'x.a');
    assert.deepEqual(
      members.map((m) => [m.name, m.data.toString('latin1')]),
      [['debian-binary', '2.0\n'], ['odd.bin', '\x01\x02\x03'], ['data.tar.xz', 'payload']],
    );
  });

  it('rejects a file that is not an ar archive', () => {
    assert.throws(() => readArMembers(Buffer.from('<html>not found</html>'), 'bash_5.2.deb'), /^Error: bash_5.2.deb: not an ar archive \(bad magic\)$/);
  });

  it('rejects a truncated archive instead of returning a shorter member', () => {
    const ar = writeTestAr([{ name: 'data.tar.gz', data: Buffer.alloc(100) }]);
    assert.throws(() => readArMembers(ar.subarray(0, ar.length - 10), 'pkg'), /pkg: ar member "data.tar.gz" runs past the end/);
  });
});
