import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHA256 } from '@actiond/digest';
import { DIRECT_STEPS, fileSteps, POOLED_STEPS, SMALL_FILE_BYTES } from './file-steps.ts';

test('files up to SMALL_FILE_BYTES take the direct steps, larger ones the pooled steps', () => {
  assert.equal(fileSteps(0), DIRECT_STEPS);
  assert.equal(fileSteps(SMALL_FILE_BYTES), DIRECT_STEPS);
  assert.equal(fileSteps(SMALL_FILE_BYTES + 1), POOLED_STEPS);
});

for (const [name, steps] of [['direct', DIRECT_STEPS], ['pooled', POOLED_STEPS]] as const) {
  test(`${name} steps: hash, copy, rename, chmod and remove do what they say, and a directory hashes as "other"`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'file-steps-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    for (const size of [0, 1, SMALL_FILE_BYTES - 1, 3 * SMALL_FILE_BYTES + 7]) {
      const data = randomBytes(size);
      const path = join(dir, `f${size}`);
      await writeFile(path, data);
      const hashed = await steps.hash(path, SHA256);
      assert.ok(hashed.kind === 'file' && hashed.digest.equals(SHA256.compute(data)), `size ${size}`);
      await steps.copy(path, `${path}.copy`);
      assert.deepEqual(await readFile(`${path}.copy`), data);
      await steps.rename(`${path}.copy`, `${path}.moved`);
      assert.equal(existsSync(`${path}.copy`), false);
      await steps.chmod(`${path}.moved`, 0o444);
      assert.equal((await stat(`${path}.moved`)).mode & 0o777, 0o444);
      await steps.remove(`${path}.moved`);
      assert.equal(existsSync(`${path}.moved`), false);
    }
    await steps.remove(join(dir, 'never-there'));
    await mkdir(join(dir, 'sub'));
    assert.deepEqual(await steps.hash(join(dir, 'sub'), SHA256), { kind: 'other', description: 'a directory' });
    await assert.rejects(steps.rename(join(dir, 'missing'), join(dir, 'x')), { code: 'ENOENT' });
  });
}
