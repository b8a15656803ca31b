import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { bundleServer } from './server-bundle.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'actiond-server-bundle-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('bundles TypeScript with .ts imports into one CommonJS file where import.meta.url is the bundle', async () => {
  await writeFile(join(dir, 'where.ts'), "const name = './x';\nexport const where: string = new URL(name, import.meta.url).href;\n");
  await writeFile(join(dir, 'main.ts'), "import { where } from './where.ts';\nimport type { Stats } from 'node:fs';\nconst s: Stats | undefined = undefined;\nconsole.log(where, s);\n");
  const bundle = await bundleServer(join(dir, 'main.ts'), join(dir, 'out', 'main.cjs'));
  assert.equal(bundle.inputs, 2);
  assert.doesNotMatch(await readFile(bundle.path, 'utf8'), /import\.meta|^import /m);
  const { stdout } = await promisify(execFile)(process.execPath, [bundle.path]);
  assert.equal(stdout, `${new URL('./x', pathToFileURL(bundle.path)).href} undefined\n`);
});

test('an esbuild warning fails the bundle, naming the file and the problem', async () => {
  // import.meta.dirname has no CommonJS meaning: esbuild would leave it empty.
  await writeFile(join(dir, 'warns.ts'), 'console.log(import.meta.dirname);\n');
  await assert.rejects(bundleServer(join(dir, 'warns.ts'), join(dir, 'out', 'warns.cjs')), /^Error: esbuild warned while bundling .*warns\.ts:\n  .*warns\.ts:1: .*import\.meta/);
});

test('an import that does not resolve fails the bundle', async () => {
  await writeFile(join(dir, 'broken.ts'), "import { x } from './missing.ts';\nconsole.log(x);\n");
  await assert.rejects(bundleServer(join(dir, 'broken.ts'), join(dir, 'out', 'broken.cjs')), /Could not resolve "\.\/missing\.ts"/);
});
