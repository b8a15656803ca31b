import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { prepareSeaBlob, seaConfig } from './sea-preparation.ts';

test('the SEA config silences the experimental warning and passes the code cache choice and the assets', () => {
  assert.deepEqual(seaConfig({ main: '/w/main.cjs', assets: { a: '/w/a' }, useCodeCache: false }, '/w/blob'), {
    main: '/w/main.cjs',
    output: '/w/blob',
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache: false,
    assets: { a: '/w/a' },
  });
});

test('Node.js turns the config into a preparation blob holding the assets', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'actiond-sea-prep-'));
  try {
    await writeFile(join(dir, 'main.cjs'), "console.log('hi');\n");
    await writeFile(join(dir, 'asset.bin'), 'ASSET-CONTENT-0123456789');
    const blob = await prepareSeaBlob(process.execPath, { main: join(dir, 'main.cjs'), assets: { key: join(dir, 'asset.bin') }, useCodeCache: false }, dir);
    assert.equal(blob, join(dir, 'sea-prep.blob'));
    assert.ok((await stat(blob)).size > 0);
    assert.ok((await readFile(blob)).includes('ASSET-CONTENT-0123456789'));
    assert.equal(JSON.parse(await readFile(join(dir, 'sea-config.json'), 'utf8')).output, blob);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('a missing asset fails the preparation with Node.js naming it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'actiond-sea-prep-'));
  try {
    await writeFile(join(dir, 'main.cjs'), '');
    await assert.rejects(
      prepareSeaBlob(process.execPath, { main: join(dir, 'main.cjs'), assets: { key: join(dir, 'missing.bin') }, useCodeCache: false }, dir),
      /--experimental-sea-config .* exited with status \d+.*\n(.|\n)*missing\.bin/,
    );
  } finally {
    await rm(dir, { recursive: true });
  }
});
