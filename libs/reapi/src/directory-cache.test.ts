import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SHA256 } from '@actiond/digest';
import { Directory } from '@actiond/proto';
import { DirectoryCache } from './directory-cache.ts';

function dir(name: string) {
  const directory = Directory.fromPartial({ symlinks: [{ name, target: 'x' }] });
  return { digest: SHA256.compute(Directory.encode(directory).finish()), directory };
}

describe('DirectoryCache', () => {
  it('returns what was cached, by digest', () => {
    const cache = new DirectoryCache();
    const a = dir('a');
    assert.equal(cache.get(a.digest), undefined);
    cache.set(a.digest, a.directory);
    assert.equal(cache.get(a.digest), a.directory);
    assert.equal(cache.size, 1);
    assert.equal(cache.bytes, a.digest.sizeBytes);
  });

  it('evicts the least recently used directories beyond its byte bound', () => {
    const [a, b, c] = [dir('a'), dir('b'), dir('c')];
    const cache = new DirectoryCache(a.digest.sizeBytes * 2);
    cache.set(a.digest, a.directory);
    cache.set(b.digest, b.directory);
    cache.get(a.digest); // a is now more recent than b
    cache.set(c.digest, c.directory);
    assert.equal(cache.get(b.digest), undefined);
    assert.equal(cache.get(a.digest), a.directory);
    assert.equal(cache.get(c.digest), c.directory);
    assert.equal(cache.bytes, a.digest.sizeBytes * 2);
  });

  it('does not cache a directory larger than the whole bound, and counts a re-set once', () => {
    const a = dir('a');
    const tiny = new DirectoryCache(a.digest.sizeBytes - 1);
    tiny.set(a.digest, a.directory);
    assert.equal(tiny.size, 0);
    const cache = new DirectoryCache();
    cache.set(a.digest, a.directory);
    cache.set(a.digest, a.directory);
    assert.equal(cache.bytes, a.digest.sizeBytes);
  });
});
