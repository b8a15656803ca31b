import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DebCache } from './deb-cache.ts';
import { HttpDebSource } from './deb-source.ts';
import type { DebSource } from './deb-source.ts';
import { LineDownloadProgress } from './download-progress.ts';
import type { LockedPackage } from './runtime-lock.ts';
import { startTestMirror } from './test-mirror.ts';
import type { TestMirror } from './test-mirror.ts';

const work = mkdtempSync(join(tmpdir(), 'deb-cache-'));
const payload = Buffer.from('!<arch>\n'.padEnd(5000, 'x'));
const pkg: LockedPackage = {
  name: 'bash',
  version: '5.2.15-2',
  filename: 'pool/main/b/bash/bash_5.2.15-2_amd64.deb',
  size: payload.length,
  sha256: createHash('sha256').update(payload).digest('hex'),
  via: 'root',
};
let mirror: TestMirror;
let n = 0;
const lines: string[] = [];
const progress = () => new LineDownloadProgress((l) => lines.push(l));
const freshCache = (source: DebSource = new HttpDebSource(mirror.url)) => new DebCache(join(work, `cache-${n++}`), source);

before(async () => {
  mirror = await startTestMirror(new Map([[pkg.filename, payload]]));
});
after(async () => {
  await mirror.close();
  rmSync(work, { recursive: true, force: true });
});

describe('DebCache', () => {
  it('downloads a missing package, verifies it and stores it under its SHA-256', async () => {
    const cache = freshCache();
    await cache.ensure([pkg], progress());
    assert.ok(cache.pathOf(pkg).endsWith(`${pkg.sha256}.deb`));
    assert.deepEqual(await cache.read(pkg), payload);
    assert.ok(lines.includes('fetched bash 5.2.15-2 (0.0 MiB) [1/1]'));
  });

  it('uses no network when every package is cached', async () => {
    const cache = freshCache();
    await cache.ensure([pkg], progress());
    const offline = new DebCache(cache.pathOf(pkg).replace(/\/[^/]+$/, ''), {
      download: () => Promise.reject(new Error('network used with a warm cache')),
    });
    await offline.ensure([pkg], progress());
    assert.deepEqual(await offline.read(pkg), payload);
  });

  it('rejects a cached file with a flipped byte, naming the package and both hashes, and moves it aside', async () => {
    const cache = freshCache();
    await cache.ensure([pkg], progress());
    const corrupt = Buffer.from(payload);
    corrupt[100] = (corrupt[100] as number) ^ 1;
    writeFileSync(cache.pathOf(pkg), corrupt);
    const actual = createHash('sha256').update(corrupt).digest('hex');
    await assert.rejects(
      cache.read(pkg),
      (e: Error) =>
        e.message.startsWith('package bash 5.2.15-2 (pool/main/b/bash/bash_5.2.15-2_amd64.deb): cached file') &&
        e.message.includes(`SHA-256 mismatch: expected ${pkg.sha256}, got ${actual}`),
    );
    assert.ok(!existsSync(cache.pathOf(pkg)));
    assert.deepEqual(readFileSync(`${cache.pathOf(pkg)}.rejected`), corrupt);
  });

  it('rejects a cached file of the wrong size', async () => {
    const cache = freshCache();
    await cache.ensure([pkg], progress());
    writeFileSync(cache.pathOf(pkg), Buffer.concat([payload, Buffer.from('extra')]));
    await assert.rejects(cache.read(pkg), /package bash 5.2.15-2 .*: size mismatch: expected 5000 bytes, got 5005/);
  });

  it('rejects a download that does not match the lock and keeps nothing of it', async () => {
    const wrong = { ...pkg, sha256: 'f'.repeat(64) };
    const cache = freshCache();
    await assert.rejects(cache.ensure([wrong], progress()), /package bash 5.2.15-2 .*: download does not match the lock: SHA-256 mismatch: expected f{64}, got [0-9a-f]{64}/);
    assert.ok(!existsSync(cache.pathOf(wrong)));
    assert.ok(!existsSync(`${cache.pathOf(wrong)}.partial`));
  });

  it('rejects a download of the wrong size', async () => {
    const cache = freshCache();
    await assert.rejects(cache.ensure([{ ...pkg, size: 4000 }], progress()), /download does not match the lock: size mismatch: expected 4000 bytes, got 5000/);
  });

  it('fails naming the package and status when the mirror lacks the file', async () => {
    const cache = freshCache();
    await assert.rejects(cache.ensure([{ ...pkg, filename: 'pool/main/n/nope/nope.deb' }], progress()), /bash 5.2.15-2: GET http:\/\/127.0.0.1:\d+\/debian\/pool\/main\/n\/nope\/nope.deb answered 404/);
  });

  it('continues a partial download with a Range request', async () => {
    const cache = freshCache();
    const partial = `${cache.pathOf(pkg)}.partial`;
    await cache.ensure([], progress()); // creates the cache directory
    writeFileSync(partial, payload.subarray(0, 1234));
    mirror.requests.length = 0;
    await cache.ensure([pkg], progress());
    assert.deepEqual(mirror.requests, [`${pkg.filename} bytes=1234-`]);
    assert.deepEqual(await cache.read(pkg), payload);
  });
});
