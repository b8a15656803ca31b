import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { SHA256, type Digest } from '@actiond/digest';
import { ActiondError } from '@actiond/status';
import { InputRootChecker } from './input-root-checker.ts';
import { MemoryBlobAccess } from '@actiond/blobstore';
import { Directory } from '@actiond/proto';

const file = (name: string, digest: Digest) => ({ name, digest: digest, isExecutable: false });
const dir = (name: string, digest: Digest) => ({ name, digest: digest });
const keys = (digests: Digest[]) => digests.map((d) => d.key);

/** root/{a.txt, lib/{b.txt, sub/{c.txt}}, empty/} */
function tree(blobs: MemoryBlobAccess) {
  const a = blobs.add('a');
  const b = blobs.add('b');
  const c = blobs.add('c');
  const sub = blobs.addMessage(Directory, { files: [file('c.txt', c)] });
  const lib = blobs.addMessage(Directory, { files: [file('b.txt', b)], directories: [dir('sub', sub)] });
  const empty = SHA256.emptyDigest; // the empty Directory encodes to zero bytes
  const root = blobs.addMessage(Directory, { files: [file('a.txt', a)], directories: [dir('empty', empty), dir('lib', lib)] });
  return { a, b, c, sub, lib, root };
}

describe('InputRootChecker', () => {
  it('finds nothing missing in a complete tree', async () => {
    const blobs = new MemoryBlobAccess();
    const { root } = tree(blobs);
    assert.deepEqual(await new InputRootChecker(blobs).findMissing(root), []);
  });

  it('reports every missing file and directory once, directories first', async () => {
    const blobs = new MemoryBlobAccess();
    const { a, c, sub, root } = tree(blobs);
    const d = blobs.add('d');
    const gone = blobs.addMessage(Directory, { files: [file('d.txt', d)] });
    const shared = blobs.add('shared');
    const top = blobs.addMessage(Directory, {
      files: [file('a.txt', a), file('copy-of-a.txt', a), file('s', shared)],
      directories: [dir('gone', gone), dir('x', root)],
    });
    blobs.remove(a);
    blobs.remove(c);
    blobs.remove(gone);
    blobs.remove(shared);
    const missing = await new InputRootChecker(blobs).findMissing(top);
    assert.deepEqual(keys(missing), keys([gone, a, shared, c]));
    assert.equal(blobs.has(sub), true);
  });

  it('reports a directory the CAS lost even when its parsed content is still cached', async () => {
    const blobs = new MemoryBlobAccess();
    const { lib, root } = tree(blobs);
    const checker = new InputRootChecker(blobs, { verifiedTtlMs: 0 });
    assert.deepEqual(await checker.findMissing(root), []);
    blobs.remove(lib);
    assert.deepEqual(keys(await checker.findMissing(root)), [lib.key]);
  });

  it('accepts the empty input root, which is never missing', async () => {
    assert.deepEqual(await new InputRootChecker(new MemoryBlobAccess()).findMissing(SHA256.emptyDigest), []);
  });

  it('reports a missing root directory alone', async () => {
    const blobs = new MemoryBlobAccess();
    const root = SHA256.compute(Buffer.from('not stored'));
    assert.deepEqual(keys(await new InputRootChecker(blobs).findMissing(root)), [root.key]);
  });

  it('does not read or check again a subtree found complete, while it is remembered', async () => {
    let now = 0;
    const blobs = new MemoryBlobAccess();
    const { lib, root } = tree(blobs);
    const other = blobs.addMessage(Directory, { directories: [dir('lib', lib)], files: [file('own', blobs.add('own'))] });
    const checker = new InputRootChecker(blobs, { verifiedTtlMs: 60_000, now: () => now });
    await checker.findMissing(root);
    const gets = blobs.calls.get;
    const asked = blobs.calls.findMissingDigests;
    assert.deepEqual(await checker.findMissing(root), []);
    assert.equal(blobs.calls.get, gets, 'a remembered root is not read');
    assert.equal(blobs.calls.findMissingDigests, asked, 'nor are its files checked');
    assert.deepEqual(await checker.findMissing(other), []);
    assert.equal(blobs.calls.get, gets + 1, 'only the new root is read; the shared lib subtree is remembered');
    assert.equal(blobs.calls.findMissingDigests, asked + 2, 'only the new root and its own file are checked');
    now += 60_000;
    blobs.remove(lib);
    assert.deepEqual(keys(await checker.findMissing(other)), [lib.key], 'after the window the subtree is checked again');
  });

  it('does not remember an incomplete subtree, nor the directories above it', async () => {
    const blobs = new MemoryBlobAccess();
    const { c, root } = tree(blobs);
    blobs.remove(c);
    const checker = new InputRootChecker(blobs);
    assert.deepEqual(keys(await checker.findMissing(root)), [c.key]);
    assert.deepEqual(keys(await checker.findMissing(root)), [c.key]);
    blobs.add('c');
    assert.deepEqual(await checker.findMissing(root), []);
  });

  it('rejects a directory blob that is not a Directory message as INVALID_ARGUMENT naming it', async () => {
    const blobs = new MemoryBlobAccess();
    const garbage = blobs.add(Buffer.from([0x0a, 0xff, 0xff]));
    const root = blobs.addMessage(Directory, { directories: [dir('bad', garbage)] });
    await assert.rejects(new InputRootChecker(blobs).findMissing(root), (err: unknown) => {
      assert.ok(err instanceof ActiondError);
      assert.equal(err.code, status.INVALID_ARGUMENT);
      assert.match(err.message, new RegExp(`${garbage.hash}.*"bad".*not a valid Directory`));
      return true;
    });
  });

  it('rejects a file with a malformed digest as INVALID_ARGUMENT naming the directory and the file', async () => {
    const blobs = new MemoryBlobAccess();
    const sub = blobs.addMessage(Directory, { files: [{ name: 'broken.txt', digest: { hash: 'XYZ', sizeBytes: 1 }, isExecutable: false }] });
    const root = blobs.addMessage(Directory, { directories: [dir('sub', sub)] });
    await assert.rejects(new InputRootChecker(blobs).findMissing(root), (err: unknown) => {
      assert.ok(err instanceof ActiondError);
      assert.equal(err.code, status.INVALID_ARGUMENT);
      assert.match(err.message, /input directory "sub" \(blob [0-9a-f]+\/\d+\) .*file "broken\.txt"/);
      return true;
    });
  });

  it('passes a store failure on', async () => {
    const blobs = new MemoryBlobAccess();
    const { root } = tree(blobs);
    blobs.findMissing = async () => {
      throw ActiondError.internal('index corrupt');
    };
    await assert.rejects(new InputRootChecker(blobs).findMissing(root), /index corrupt/);
  });
});
