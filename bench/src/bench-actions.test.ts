import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SHA256 } from '@actiond/digest';
import { Action, Command, Directory } from '@actiond/proto';
import { buildAction, emptyInputTree, singleExecutableTree, wideInputTree } from './bench-actions.ts';

describe('wideInputTree', () => {
  it('holds directories × files distinct files, every blob under its own digest, entries sorted by name', () => {
    const tree = wideInputTree(12, 150, 'a');
    assert.equal(tree.files, 1800);
    const byHash = new Map(tree.blobs.map((b) => [b.digest.hash, b]));
    for (const blob of tree.blobs) assert.ok(SHA256.compute(blob.data).equals(blob.digest));
    assert.equal(byHash.size, 1800 + 12 + 1);
    const root = Directory.decode(byHash.get(tree.rootDigest.hash)!.data);
    const names = root.directories.map((d) => d.name);
    assert.deepEqual(names, [...names].sort());
    const first = Directory.decode(byHash.get(root.directories[0]!.digest!.hash)!.data);
    assert.equal(first.files.length, 150);
    assert.deepEqual(first.files.map((f) => f.name), [...first.files.map((f) => f.name)].sort());
  });

  it('shares no blob between trees of different tags', () => {
    const a = new Set(wideInputTree(2, 3, 'a').blobs.map((b) => b.digest.hash));
    assert.ok(wideInputTree(2, 3, 'b').blobs.every((b) => !a.has(b.digest.hash)));
  });
});

describe('buildAction', () => {
  it('puts the platform on the Command, as Bazel 4.2.3 does, and links Action, Command and inputs by digest', () => {
    const inputs = singleExecutableTree('busybox', Buffer.from('binary'));
    const action = buildAction({ name: 'x', arguments: ['./busybox', 'true'], platform: [{ name: 'libc', value: 'none' }], inputs });
    const [actionBlob, commandBlob] = action.blobs;
    assert.ok(action.actionDigest.equals(actionBlob!.digest));
    const decoded = Action.decode(actionBlob!.data);
    assert.equal(decoded.commandDigest?.hash, commandBlob!.digest.hash);
    assert.equal(decoded.inputRootDigest?.hash, inputs.rootDigest.hash);
    assert.deepEqual(Command.decode(commandBlob!.data).platform?.properties, [{ name: 'libc', value: 'none' }]);
    assert.equal(decoded.platform, undefined);
  });

  it('gives the empty input root the empty blob\'s digest, which needs no upload', () => {
    assert.ok(emptyInputTree().rootDigest.equals(SHA256.emptyDigest));
    assert.equal(emptyInputTree().blobs.length, 0);
  });
});
