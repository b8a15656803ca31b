import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseServeScript } from './serve-script.ts';

test('a serve script splits into node flags, the script and its arguments', () => {
  assert.deepEqual(parseServeScript('node --max-semi-space-size=2 cmd/linux_actiond/src/main.ts serve'), {
    nodeFlags: ['--max-semi-space-size=2'],
    script: 'cmd/linux_actiond/src/main.ts',
    args: ['serve'],
  });
  assert.deepEqual(parseServeScript('node cmd/x.ts'), { nodeFlags: [], script: 'cmd/x.ts', args: [] });
});

test('a serve script that is not a plain node command is refused, naming it', () => {
  assert.throws(() => parseServeScript('tsx cmd/x.ts serve'), /"tsx cmd\/x.ts serve".*does not start with node/);
  assert.throws(() => parseServeScript('node a.ts && node b.ts'), /shell syntax/);
  assert.throws(() => parseServeScript('node --inspect'), /names no script/);
});
