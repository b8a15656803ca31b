import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LINK_ENTRY_KIND, newLinkJobState, runLinkJob, type LinkFileSystem, type LinkJob } from './link-job.ts';

/** A job from a list of directories (parents first) with their entries. */
function job(target: string, dirs: { path: string; parent: number; entries: [kind: number, name: string, extra?: string][] }[]): LinkJob {
  const strings: string[] = [];
  const kinds: number[] = [];
  const firstString = new Int32Array(dirs.length);
  const firstEntry = new Int32Array(dirs.length + 1);
  dirs.forEach((d, i) => {
    firstString[i] = strings.length;
    firstEntry[i] = kinds.length;
    strings.push(d.path);
    for (const [kind, name, extra] of d.entries) {
      kinds.push(kind);
      strings.push(name);
      if (extra !== undefined) strings.push(extra);
    }
  });
  firstEntry[dirs.length] = kinds.length;
  return { target, directoryMode: 0o1777, strings: strings.join('\0'), parents: Int32Array.from(dirs.map((d) => d.parent)), firstString, firstEntry, kinds: Uint8Array.from(kinds) };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'link-job-test-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a job makes directories with the given mode before their entries: links, empty files with their modes, symlinks', () =>
  withDir(async (dir) => {
    const blob = join(dir, 'blob');
    await writeFile(blob, 'content', { mode: 0o444 });
    const target = join(dir, 'out');
    const result = runLinkJob(job(target, [
      { path: '', parent: -1, entries: [[LINK_ENTRY_KIND.link, 'a', blob], [LINK_ENTRY_KIND.symlink, 's', 'sub/e']] },
      { path: 'sub', parent: 0, entries: [[LINK_ENTRY_KIND.emptyFile, 'e'], [LINK_ENTRY_KIND.emptyExecutable, 'x']] },
    ]), newLinkJobState({ parents: new Int32Array(2) } as LinkJob, false), fs);
    assert.deepEqual(result, { copied: [], failure: undefined });
    assert.equal((await stat(join(target, 'a'))).ino, (await stat(blob)).ino);
    assert.equal(await readlink(join(target, 's')), 'sub/e');
    assert.equal((await stat(join(target, 'sub/e'))).mode & 0o7777, 0o444);
    assert.equal((await stat(join(target, 'sub/x'))).mode & 0o7777, 0o555);
    assert.equal((await stat(join(target, 'sub/x'))).size, 0);
    for (const d of [target, join(target, 'sub')]) assert.equal((await stat(d)).mode & 0o7777, 0o1777);
  }));

test('a link refused with EMLINK or EXDEV becomes a copy, reported by entry index; other link errors stop the job', () =>
  withDir(async (dir) => {
    const blob = join(dir, 'blob');
    await writeFile(blob, 'content', { mode: 0o444 });
    const refusing = (code: string): LinkFileSystem => ({
      ...fs,
      linkSync(existing: string, path: string) {
        if (path.endsWith('/b')) throw Object.assign(new Error(`${code}: simulated`), { code });
        fs.linkSync(existing, path);
      },
    });
    const entries: [number, string, string][] = [[LINK_ENTRY_KIND.link, 'a', blob], [LINK_ENTRY_KIND.link, 'b', blob], [LINK_ENTRY_KIND.link, 'c', blob]];
    for (const code of ['EMLINK', 'EXDEV']) {
      const target = join(dir, code);
      const result = runLinkJob(job(target, [{ path: '', parent: -1, entries }]), new Int32Array(3), refusing(code));
      assert.deepEqual(result, { copied: [1], failure: undefined });
      assert.equal(await readFile(join(target, 'b'), 'utf8'), 'content');
      assert.equal((await stat(join(target, 'b'))).nlink, 1);
    }
    const target = join(dir, 'EACCES');
    const result = runLinkJob(job(target, [{ path: '', parent: -1, entries }]), new Int32Array(3), refusing('EACCES'));
    assert.deepEqual(result, { copied: [], failure: { directory: 0, entry: 1, code: 'EACCES', message: 'EACCES: simulated' } });
    assert.deepEqual(await readdir(target), ['a'], 'nothing is made after the failure');
  }));

test('a directory that cannot be made fails the job at entry -1, and its subdirectories are never made', () =>
  withDir(async (dir) => {
    const target = join(dir, 'out');
    const state = new Int32Array(2 + 3);
    const result = runLinkJob(job(target, [
      { path: '', parent: -1, entries: [] },
      { path: 'bad', parent: 0, entries: [[LINK_ENTRY_KIND.emptyFile, 'e']] },
      { path: 'bad/child', parent: 1, entries: [] },
    ]), state, {
      ...fs,
      mkdirSync(path: string, mode: number) {
        if (path.endsWith('/bad')) throw Object.assign(new Error('EPERM: simulated'), { code: 'EPERM' });
        return fs.mkdirSync(path, mode);
      },
    });
    assert.deepEqual(result.failure, { directory: 1, entry: -1, code: 'EPERM', message: 'EPERM: simulated' });
    assert.deepEqual(await readdir(target), []);
    assert.equal(state[1], 1, 'the abort word is raised for the other threads');
  }));

test('a job whose abort word is already raised makes nothing', () =>
  withDir(async (dir) => {
    const state = new Int32Array(3);
    state[1] = 1;
    const result = runLinkJob(job(join(dir, 'out'), [{ path: '', parent: -1, entries: [] }]), state, fs);
    assert.deepEqual(result, { copied: [], failure: undefined });
    assert.deepEqual(await readdir(dir), []);
  }));
