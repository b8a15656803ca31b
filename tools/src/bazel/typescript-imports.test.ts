import assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import { test } from 'node:test';
import { packageOfSpecifier, scanImports } from './typescript-imports.ts';

test('finds static, type-only, multi-line, side-effect and dynamic imports and re-exports', () => {
  const { specifiers } = scanImports(`import { a } from './a.ts';
import type { B } from "@scope/b";
import {
  c,
  d,
} from 'c-lib/sub/path';
import './side-effect.ts';
export * from './e.ts';
export { f } from './f.ts';
const g = await import('g');
`);
  assert.deepEqual(specifiers, ['./a.ts', '@scope/b', 'c-lib/sub/path', './side-effect.ts', './e.ts', './f.ts', 'g']);
});

test('commented-out imports declare nothing', () => {
  const { specifiers } = scanImports(`// import x from 'x';
/* import y from 'y'; */
import z from 'z';
`);
  assert.deepEqual(specifiers, ['z']);
});

test('finds files read relative to the module', () => {
  const { siblingFiles } = scanImports(`const a = new URL('../build/Release/helper', import.meta.url);
const b = join(import.meta.dirname, 'fixtures', 'x.bin');
const c = new URL(name, import.meta.url);
`);
  assert.deepEqual(siblingFiles, ['../build/Release/helper', 'fixtures/x.bin']);
});

test('maps specifiers to npm package names and skips relative paths and built-ins', () => {
  const builtins = new Set(builtinModules);
  assert.equal(packageOfSpecifier('@bufbuild/protobuf/wire', builtins), '@bufbuild/protobuf');
  assert.equal(packageOfSpecifier('zod/v4', builtins), 'zod');
  assert.equal(packageOfSpecifier('./x.ts', builtins), undefined);
  assert.equal(packageOfSpecifier('node:fs', builtins), undefined);
  assert.equal(packageOfSpecifier('fs/promises', builtins), undefined);
});

test('text inside template literals is not an import of the module', () => {
  const code = 'const script = `import { x } from ${JSON.stringify(path)}; import y from \'@scope/child\';`;\nimport real from \'real\';\n';
  assert.deepEqual(scanImports(code).specifiers, ['real']);
});
