import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHA256 } from '@actiond/digest';
import { hashFile } from './hash-file.ts';

test('hashFile digests a file larger than its read buffer, and an empty file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hash-file-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const size of [0, 1, (1 << 20) + 12345]) {
    const data = randomBytes(size);
    const path = join(dir, `f${size}`);
    await writeFile(path, data);
    const handle = await open(path, 'r');
    try {
      assert.ok((await hashFile(handle, SHA256)).equals(SHA256.compute(data)), `size ${size}`);
    } finally {
      await handle.close();
    }
  }
});
