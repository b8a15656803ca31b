import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { type Digest, SHA256 } from '@actiond/digest';
import { ActiondError } from '@actiond/status';
import { DirectoryCache } from './directory-cache.ts';
import { MemoryBlobAccess } from '@actiond/blobstore';
import { Directory } from '@actiond/proto';
import { TreeWalker, type WalkedDirectory } from './tree-walker.ts';

const node = (name: string, digest: Digest) => ({ name, digest: { hash: digest.hash, sizeBytes: digest.sizeBytes } });

/** root{ a{ shared{ leaf } }, b{ shared }, c{} } with `shared` appearing twice. */
function sampleTree(store: MemoryBlobAccess) {
  const leaf = store.addMessage(Directory, { files: [{ name: 'f', digest: { hash: SHA256.compute(Buffer.from('f')).hash, sizeBytes: 1 }, isExecutable: false }] });
  const shared = store.addMessage(Directory, { directories: [node('leaf', leaf)] });
  const a = store.addMessage(Directory, { directories: [node('shared', shared)], symlinks: [{ name: 'l', target: 'x' }] });
  const b = store.addMessage(Directory, { directories: [node('shared', shared)], symlinks: [{ name: 'm', target: 'y' }] });
  const c = store.addMessage(Directory, {});
  const root = store.addMessage(Directory, { directories: [node('a', a), node('b', b), node('c', c)] });
  return { root, a, b, c, shared, leaf };
}

async function all(walk: AsyncIterable<WalkedDirectory>): Promise<WalkedDirectory[]> {
  const out: WalkedDirectory[] = [];
  for await (const entry of walk) out.push(entry);
  return out;
}

function rejectsWith(code: status, fragment: string) {
  return (err: unknown) => err instanceof ActiondError && err.code === code && err.message.includes(fragment);
}

describe('TreeWalker', () => {
  it('walks breadth-first in listing order, returning each distinct directory once at its first path', async () => {
    const store = new MemoryBlobAccess();
    const t = sampleTree(store);
    const walked = await all(new TreeWalker(store).walk(t.root));
    assert.deepEqual(
      walked.map((w) => [w.path, w.digest.key]),
      [
        ['', t.root.key],
        ['a', t.a.key],
        ['b', t.b.key],
        ['c', t.c.key],
        ['a/shared', t.shared.key],
        ['a/shared/leaf', t.leaf.key],
      ],
    );
    assert.equal(walked[5]!.directory.files[0]!.name, 'f');
  });

  it('skips a missing subdirectory and its subtree, telling onMissing its digest and path', async () => {
    const store = new MemoryBlobAccess();
    const t = sampleTree(store);
    store.remove(t.shared);
    const missing: string[] = [];
    const walked = await all(new TreeWalker(store).walk(t.root, { onMissing: (d, p) => missing.push(`${p}=${d.key}`) }));
    assert.deepEqual(walked.map((w) => w.path), ['', 'a', 'b', 'c']);
    assert.deepEqual(missing, [`a/shared=${t.shared.key}`]);
  });

  it('stops the walk when onMissing throws', async () => {
    const store = new MemoryBlobAccess();
    const t = sampleTree(store);
    store.remove(t.b);
    await assert.rejects(
      all(new TreeWalker(store).walk(t.root, { onMissing: (_d, p) => { throw ActiondError.failedPrecondition(`missing ${p}`); } })),
      rejectsWith(status.FAILED_PRECONDITION, 'missing b'),
    );
  });

  it('reports a missing root as NOT_FOUND naming it', async () => {
    const store = new MemoryBlobAccess();
    const absent = SHA256.compute(Buffer.from('nothing here'));
    await assert.rejects(all(new TreeWalker(store).walk(absent)), rejectsWith(status.NOT_FOUND, `root directory ${absent.key} is not in the CAS`));
  });

  it('reports a blob that is not a Directory as INVALID_ARGUMENT naming the blob and its path', async () => {
    const store = new MemoryBlobAccess();
    const junk = store.add(Buffer.from([0x0a, 0xff, 0xff, 0xff])); // field 1, length beyond the end
    const root = store.addMessage(Directory, { directories: [node('sub', junk)] });
    await assert.rejects(all(new TreeWalker(store).walk(junk)), rejectsWith(status.INVALID_ARGUMENT, `blob ${junk.key} (directory (the root)) is not a valid Directory message`));
    await assert.rejects(all(new TreeWalker(store).walk(root)), rejectsWith(status.INVALID_ARGUMENT, `blob ${junk.key} (directory "sub") is not a valid Directory message`));
  });

  it('reports a subdirectory entry with a malformed digest as INVALID_ARGUMENT naming it', async () => {
    const store = new MemoryBlobAccess();
    const root = store.addMessage(Directory, { directories: [{ name: 'bad', digest: { hash: 'ABC', sizeBytes: 3 } }] });
    await assert.rejects(all(new TreeWalker(store).walk(root)), rejectsWith(status.INVALID_ARGUMENT, 'the digest of subdirectory "bad"'));
    const noDigest = store.addMessage(Directory, { directories: [{ name: 'none', digest: undefined }] });
    await assert.rejects(all(new TreeWalker(store).walk(noDigest)), rejectsWith(status.INVALID_ARGUMENT, 'subdirectory "none" is missing'));
  });

  it('reads each directory blob once while it stays in the shared cache', async () => {
    const store = new MemoryBlobAccess();
    const t = sampleTree(store);
    const cache = new DirectoryCache();
    await all(new TreeWalker(store, cache).walk(t.root));
    assert.equal(store.calls.get, 6);
    await all(new TreeWalker(store, cache).walk(t.root));
    assert.equal(store.calls.get, 6);
    assert.ok((await new TreeWalker(store, cache).getDirectory(t.a)).symlinks.length === 1);
    assert.equal(store.calls.get, 6);
  });

  it('walks a wide and deep tree without repeating or losing directories', async () => {
    const store = new MemoryBlobAccess();
    let level: Digest[] = [];
    for (let i = 0; i < 300; i++) level.push(store.addMessage(Directory, { symlinks: [{ name: `s${i}`, target: 't' }] }));
    const middle = [];
    for (let i = 0; i < 30; i++) middle.push(store.addMessage(Directory, { directories: level.slice(i * 10, i * 10 + 10).map((d, j) => node(`leaf${j}`, d)) }));
    const root = store.addMessage(Directory, { directories: middle.map((d, i) => node(`m${String(i).padStart(2, '0')}`, d)) });
    const walked = await all(new TreeWalker(store).walk(root));
    assert.equal(walked.length, 1 + 30 + 300);
    assert.equal(new Set(walked.map((w) => w.digest.key)).size, walked.length);
    assert.equal(walked[31]!.path, 'm00/leaf0');
    assert.equal(walked.at(-1)!.path, 'm29/leaf9');
  });
});
