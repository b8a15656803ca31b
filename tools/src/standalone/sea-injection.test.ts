import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unexpectedLines } from './sea-injection.ts';

test("postject's progress and LIEF's unnamed-note warnings are not passed on; anything else is", () => {
  const output = [
    '\x1b[36mStart injection of NODE_SEA_BLOB in x...\x1b[0m',
    "warning: Can't find string offset for section name '.note.100'",
    "warning: Can't find string offset for section name '.note'",
    'warning: something new',
    '\x1b[32m💉 Injection done!\x1b[0m',
    '',
  ].join('\n');
  assert.deepEqual(unexpectedLines(output), ['warning: something new']);
});
