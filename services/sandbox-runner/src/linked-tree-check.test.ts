import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { chmod, lchown, mkdir, mkdtemp, readdir, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LINK_ENTRY_KIND, newLinkJobState, runLinkJob, type LinkJob } from './link-job.ts';
import { blobsUnchanged, checkLinkedTree } from './linked-tree-check.ts';

const needsRoot = process.getuid?.() !== 0 ? 'the check expects root-owned trees: needs root' : false;

/** A root with a link, an empty file and a symlink, and `sub/` with a link. */
function job(target: string, blob: string): LinkJob {
  const strings = ['', 'a', blob, 'e', 's', 'sub/a', 'sub', 'b', blob];
  return {
    target,
    directoryMode: 0o1777,
    strings: strings.join('\0'),
    parents: Int32Array.from([-1, 0]),
    firstString: Int32Array.from([0, 6]),
    firstEntry: Int32Array.from([0, 3, 4]),
    kinds: Uint8Array.from([LINK_ENTRY_KIND.link, LINK_ENTRY_KIND.emptyFile, LINK_ENTRY_KIND.symlink, LINK_ENTRY_KIND.link]),
  };
}

async function withTree(fn: (target: string, blob: string, made: LinkJob) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'linked-tree-check-'));
  try {
    const blob = join(dir, 'blob');
    await writeFile(blob, 'content', { mode: 0o444 });
    const target = join(dir, 'tree');
    const made = job(target, blob);
    assert.equal(runLinkJob(made, newLinkJobState(made, false), fs).failure, undefined);
    await fn(target, blob, made);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a tree the action only added to is as made again: its files, directories and symlinks removed, nothing else', { skip: needsRoot }, () =>
  withTree(async (target, _blob, made) => {
    await writeFile(join(target, 'output.o'), 'x');
    await mkdir(join(target, 'sub/new/deeper'), { recursive: true });
    await symlink('/etc', join(target, 'sub/link-out'));
    assert.equal(checkLinkedTree(made, target, fs).problem, '');
    assert.deepEqual((await readdir(target)).sort(), ['a', 'e', 's', 'sub']);
    assert.deepEqual(await readdir(join(target, 'sub')), ['b']);
    // An untouched tree passes as it is.
    assert.equal(checkLinkedTree(made, target, fs).problem, '');
  }));

test('a tree is refused when an input was replaced, changed or is gone, or its blob left the CAS', { skip: needsRoot }, async () => {
  const cases: [string, (target: string, blob: string) => Promise<void>, RegExp][] = [
    ['a link replaced by a copy', async (t) => {
      await unlink(join(t, 'sub/b'));
      await writeFile(join(t, 'sub/b'), 'content', { mode: 0o444 });
    }, /"sub\/b" is no longer its blob/],
    ['the blob removed from the CAS', async (_t, blob) => unlink(blob), /the blob file of "a" left the CAS/],
    ['an empty file given to another owner', async (t) => lchown(join(t, 'e'), 1000, 1000), /empty file "e" changed/],
    ['an empty file written', async (t) => writeFile(join(t, 'e'), 'x'), /empty file "e" changed/],
    ['a symlink retargeted', async (t) => {
      await unlink(join(t, 's'));
      await symlink('elsewhere', join(t, 's'));
    }, /symlink "s" changed/],
    ['a directory mode changed', async (t) => chmod(join(t, 'sub'), 0o755), /directory "sub" changed/],
    ['an input deleted', async (t) => unlink(join(t, 'a')), /an entry of "" is gone/],
  ];
  for (const [what, change, why] of cases) {
    await withTree(async (target, blob, made) => {
      await change(target, blob);
      const check = checkLinkedTree(made, target, fs);
      assert.match(check.problem, why, what);
      assert.equal(check.inodes, undefined);
    });
  }
});

test('the inodes a check records tell whether a blob file was replaced since, one lstat per distinct blob', { skip: needsRoot }, () =>
  withTree(async (target, blob, made) => {
    const { inodes } = checkLinkedTree(made, target, fs);
    assert.ok(inodes !== undefined);
    assert.deepEqual([...inodes].map((n) => (Number.isNaN(n) ? 'other' : n === fs.lstatSync(blob).ino ? 'blob' : n)), ['blob', 'other', 'other', 'blob']);
    const looked: string[] = [];
    const counting = { lstatSync: (p: string) => (looked.push(p), fs.lstatSync(p)) };
    assert.equal(blobsUnchanged(made, inodes, counting), true);
    assert.deepEqual(looked, [blob]);
    await unlink(blob);
    assert.equal(blobsUnchanged(made, inodes, fs), false, 'gone');
    await writeFile(blob, 'content', { mode: 0o444 });
    assert.equal(blobsUnchanged(made, inodes, fs), false, 'another inode');
  }));
