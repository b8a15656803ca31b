import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { TempDirectory } from './temp-directory.ts';

async function tagOf(pid: number): Promise<string> {
  const stat = await readFile(`/proc/${pid}/stat`, 'latin1');
  return `${pid}-${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`;
}

async function scratch(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'temp-directory-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'tmp');
}

test('open creates the directory and new paths are unique, inside it, and tagged with this process', async (t) => {
  const path = await scratch(t);
  const temp = await TempDirectory.open(path);
  const other = await TempDirectory.open(path);
  // Two instances on one directory in one process (tests, several stores) never hand out the same name.
  assert.notEqual(other.newPath('x'), temp.newPath('x'));
  const a = temp.newPath('x');
  const b = temp.newPath('x');
  assert.notEqual(a, b);
  assert.equal(dirname(a), path);
  assert.ok(basename(a).startsWith(`${await tagOf(process.pid)}.`));
  assert.equal(temp.staleRemoved, 0);
});

test('open removes files of dead processes, of recycled pids and of unknown origin, and keeps live ones', async (t) => {
  const path = await scratch(t);
  await mkdir(path, { recursive: true });
  const own = `${await tagOf(process.pid)}.1.aa.write`;
  const parent = `${await tagOf(process.ppid)}.1.bb.write`;
  const recycled = `${process.pid}-1.1.cc.write`; // our pid, but a start time that is not ours
  const dead = '999999999-5.1.dd.write';
  const junk = 'leftover';
  for (const name of [own, parent, recycled, dead]) await writeFile(join(path, name), 'partial');
  await mkdir(join(path, junk));
  await writeFile(join(path, junk, 'inside'), 'x');
  const temp = await TempDirectory.open(path);
  assert.equal(temp.staleRemoved, 3);
  assert.deepEqual((await readdir(path)).sort(), [own, parent].sort());
});
