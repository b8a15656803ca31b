import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LinkJob } from './link-job.ts';
import { SizeSwitchingTreeLinker } from './size-switching-tree-linker.ts';
import type { LinkOutcome, TreeLinker } from './tree-linker.ts';

class Recording implements TreeLinker {
  readonly jobs: LinkJob[] = [];
  warmUps = 0;
  link(job: LinkJob): Promise<LinkOutcome> {
    this.jobs.push(job);
    return Promise.resolve({ copied: [], failure: undefined });
  }
  warmUp(): void {
    this.warmUps++;
  }
}

function sized(directories: number, entries: number): LinkJob {
  return { target: '/x', directoryMode: 0o1777, strings: '', parents: new Int32Array(directories), firstString: new Int32Array(directories), firstEntry: new Int32Array(directories + 1), kinds: new Uint8Array(entries) };
}

test('jobs with fewer directories and entries than the threshold go to the small linker, the rest to the large one, which alone is warmed up', async () => {
  const small = new Recording();
  const large = new Recording();
  const linker = new SizeSwitchingTreeLinker(small, large, 10);
  await linker.link(sized(1, 8));
  await linker.link(sized(2, 8));
  await linker.link(sized(3, 8));
  linker.warmUp();
  assert.deepEqual(small.jobs.map((j) => j.parents.length), [1]);
  assert.deepEqual(large.jobs.map((j) => j.parents.length), [2, 3]);
  assert.deepEqual([small.warmUps, large.warmUps], [0, 1]);
});
