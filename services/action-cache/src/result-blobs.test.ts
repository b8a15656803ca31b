import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Digest, SHA256 } from '@actiond/digest';
import { ActionResult, Directory, Tree } from '@actiond/proto';
import { MemoryBlobAccess } from '@actiond/blobstore';
import { checkResultBlobs } from './result-blobs.ts';

/** A CAS holding a complete result: one file, stdout, and a directory with a subdirectory. */
function completeResult(options: { rootDirectory?: boolean } = {}) {
  const blobs = new MemoryBlobAccess();
  const file = blobs.add('object code');
  const stdout = blobs.add('compiler chatter');
  const inTree = blobs.add('generated header');
  const inSubdir = blobs.add('generated source');
  const sub = Directory.fromPartial({ files: [{ name: 'x.c', digest: inSubdir }] });
  const subDigest = blobs.add(Buffer.from(Directory.encode(sub).finish()));
  const root = Directory.fromPartial({ files: [{ name: 'x.h', digest: inTree }], directories: [{ name: 'src', digest: subDigest }] });
  const rootDigest = blobs.add(Buffer.from(Directory.encode(root).finish()));
  const tree = blobs.add(Buffer.from(Tree.encode({ root, children: [sub] }).finish()));
  const result = ActionResult.fromPartial({
    outputFiles: [{ path: 'a.o', digest: file }],
    outputDirectories: [{ path: 'gen', treeDigest: tree, rootDirectoryDigest: options.rootDirectory ? rootDigest : undefined }],
    stdoutDigest: stdout,
    stderrDigest: { hash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', sizeBytes: 0 },
  });
  return { blobs, result, file, stdout, inTree, inSubdir, subDigest, rootDigest, tree };
}

const keys = (digests: readonly Digest[]) => digests.map((d) => d.key);

test('a result whose outputs, stdout, Tree and Tree files are all stored has nothing missing', async () => {
  const { blobs, result } = completeResult();
  assert.deepEqual(await checkResultBlobs(result, blobs), { missing: [], malformed: [] });
});

test('each absent blob is reported: output file, stdout, and files listed in the Tree at any depth', async () => {
  const { blobs, result, file, stdout, inTree, inSubdir } = completeResult();
  for (const gone of [file, stdout, inTree, inSubdir]) blobs.remove(gone);
  assert.deepEqual(keys((await checkResultBlobs(result, blobs)).missing), keys([file, stdout, inTree, inSubdir]));
});

test('an absent Tree blob is reported, and its files cannot be checked', async () => {
  const { blobs, result, tree } = completeResult();
  blobs.remove(tree);
  assert.deepEqual(keys((await checkResultBlobs(result, blobs)).missing), keys([tree]));
});

test('Directory blobs count only when the result reports root_directory_digest', async () => {
  const plain = completeResult();
  plain.blobs.remove(plain.subDigest);
  plain.blobs.remove(plain.rootDigest);
  assert.deepEqual((await checkResultBlobs(plain.result, plain.blobs)).missing, []);

  const withRoot = completeResult({ rootDirectory: true });
  withRoot.blobs.remove(withRoot.subDigest);
  assert.deepEqual(keys((await checkResultBlobs(withRoot.result, withRoot.blobs)).missing), keys([withRoot.subDigest]));
  withRoot.blobs.remove(withRoot.rootDigest);
  assert.deepEqual(keys((await checkResultBlobs(withRoot.result, withRoot.blobs)).missing), keys([withRoot.rootDigest, withRoot.subDigest]));
});

test('a Tree blob that does not decode, or lists a malformed digest, is reported as malformed naming the field', async () => {
  const { blobs, result } = completeResult();
  const garbage = blobs.add(Buffer.from([0x0a, 0x7f, 0x01]));
  const broken = ActionResult.fromPartial({ ...result, outputDirectories: [{ path: 'gen', treeDigest: garbage }] });
  assert.deepEqual((await checkResultBlobs(broken, blobs)).malformed, [
    { field: 'action_result.output_directories[0].tree_digest', description: `blob ${garbage} is not a valid Tree message` },
  ]);

  const badFile = Tree.fromPartial({ root: {}, children: [{ files: [{ name: 'f', digest: { hash: 'XYZ', sizeBytes: 1 } }] }] });
  const badTree = blobs.add(Buffer.from(Tree.encode(badFile).finish()));
  const listed = ActionResult.fromPartial({ outputDirectories: [{ path: 'gen', treeDigest: badTree }] });
  const [violation] = (await checkResultBlobs(listed, blobs)).malformed;
  assert.equal(violation?.field, 'action_result.output_directories[0].tree_digest');
  assert.match(violation?.description ?? '', new RegExp(`^Tree ${badTree}: children\\[0\\]\\.files\\[0\\]\\.digest: invalid SHA256 digest hash "XYZ"`));
});

test('a malformed digest in the result itself is reported by field path, and the rest is still checked', async () => {
  const { blobs, result, stdout } = completeResult();
  blobs.remove(stdout);
  const bad = ActionResult.fromPartial({ ...result, stderrDigest: { hash: 'ab', sizeBytes: -1 } });
  const check = await checkResultBlobs(bad, blobs);
  assert.deepEqual(keys(check.missing), keys([stdout]));
  assert.deepEqual(check.malformed.map((v) => v.field), ['action_result.stderr_digest']);
});

test('a Tree file entry without a digest is malformed', async () => {
  const blobs = new MemoryBlobAccess();
  const tree = blobs.add(Buffer.from(Tree.encode(Tree.fromPartial({ root: { files: [{ name: 'f' }] } })).finish()));
  const check = await checkResultBlobs(ActionResult.fromPartial({ outputDirectories: [{ path: 'd', treeDigest: tree }] }), blobs);
  assert.deepEqual(check.malformed, [
    { field: 'action_result.output_directories[0].tree_digest', description: `Tree ${tree}: root.files[0].digest is missing` },
  ]);
});

test('missing blobs of several Trees are reported in result order, whichever Tree is read first', async () => {
  /** Reads of the earlier Trees finish last. */
  class LaterFirst extends MemoryBlobAccess {
    readonly delays = new Map<string, number>();
    override async get(digest: Digest): Promise<Buffer> {
      for (let i = this.delays.get(digest.key) ?? 0; i > 0; i--) await new Promise(setImmediate);
      return super.get(digest);
    }
  }
  const blobs = new LaterFirst();
  const absent = ['first', 'second', 'third'].map((s) => SHA256.compute(Buffer.from(s)));
  const trees = absent.map((d, i) => blobs.add(Buffer.from(Tree.encode(Tree.fromPartial({ root: { files: [{ name: `f${i}`, digest: d }] } })).finish())));
  trees.forEach((t, i) => blobs.delays.set(t.key, 10 * (trees.length - i)));
  const result = ActionResult.fromPartial({ outputDirectories: trees.map((t, i) => ({ path: `d${i}`, treeDigest: t })) });
  assert.deepEqual(keys((await checkResultBlobs(result, blobs)).missing), keys(absent));
});

test('a directory reported only by root_directory_digest is walked: absent Directories and files below it are missing', async () => {
  const { blobs, result, rootDigest, subDigest, inTree, inSubdir } = completeResult({ rootDirectory: true });
  const directoryOnly = ActionResult.fromPartial({ ...result, outputDirectories: [{ path: 'gen', rootDirectoryDigest: rootDigest }] });
  assert.deepEqual(await checkResultBlobs(directoryOnly, blobs), { missing: [], malformed: [] });
  blobs.remove(inTree);
  blobs.remove(inSubdir);
  assert.deepEqual(keys((await checkResultBlobs(directoryOnly, blobs)).missing), keys([inTree, inSubdir]));
  blobs.remove(subDigest);
  assert.deepEqual(keys((await checkResultBlobs(directoryOnly, blobs)).missing), keys([subDigest, inTree]));
  blobs.remove(rootDigest);
  assert.deepEqual(keys((await checkResultBlobs(directoryOnly, blobs)).missing), keys([rootDigest]));
});

test('a root_directory_digest blob that is not a Directory is malformed, named by its field', async () => {
  const blobs = new MemoryBlobAccess();
  const garbage = blobs.add(Buffer.from([0x12, 0x7f, 0x01]));
  const check = await checkResultBlobs(ActionResult.fromPartial({ outputDirectories: [{ path: 'd', rootDirectoryDigest: garbage }] }), blobs);
  assert.deepEqual(check.malformed.map((v) => v.field), ['action_result.output_directories[0].root_directory_digest']);
  assert.match(check.malformed[0]?.description ?? '', /is not a valid Directory message/);
});
