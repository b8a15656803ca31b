import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineDownloadProgress, TtyDownloadProgress } from './download-progress.ts';
import type { LockedPackage } from './runtime-lock.ts';

const pkg: LockedPackage = { name: 'bash', version: '5.2', filename: 'pool/main/b/bash/bash_5.2_amd64.deb', size: 3 * 1048576, sha256: 'a'.repeat(64), via: 'root' };

describe('LineDownloadProgress', () => {
  it('prints one line per downloaded package and a summary, nothing per chunk', () => {
    const lines: string[] = [];
    const p = new LineDownloadProgress((l) => lines.push(l));
    p.start(3, 2, pkg.size);
    p.bytes(pkg.size);
    p.done(pkg);
    p.finish();
    assert.deepEqual(lines, [
      'downloading 1 of 3 packages (3.0 MiB); 2 cached',
      'fetched bash 5.2 (3.0 MiB) [3/3]',
      'packages: 3 wanted, 2 cached, 1 downloaded (3.0 MiB)',
    ]);
  });

  it('says only the summary when everything is cached', () => {
    const lines: string[] = [];
    const p = new LineDownloadProgress((l) => lines.push(l));
    p.start(5, 5, 0);
    p.finish();
    assert.deepEqual(lines, ['packages: 5 wanted, 5 cached, 0 downloaded (0.0 MiB)']);
  });
});

describe('TtyDownloadProgress', () => {
  it('rewrites one status line with packages and bytes and ends it with a newline', () => {
    let out = '';
    const p = new TtyDownloadProgress({ write: (t: string) => (out += t) });
    p.start(2, 1, pkg.size);
    p.bytes(pkg.size);
    p.done(pkg);
    p.finish();
    const frames = out.split('\r\x1b[K').filter((f) => f !== '');
    assert.equal(frames[0], 'packages 1/2, downloaded 0.0 MiB of 3.0 MiB');
    assert.equal(frames.at(-1), 'packages 2/2, downloaded 3.0 MiB of 3.0 MiB\n');
  });
});
