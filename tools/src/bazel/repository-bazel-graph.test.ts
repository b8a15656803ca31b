import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkBazelConsistency } from './pnpm-bazel-consistency.ts';

const REPO = join(import.meta.dirname, '../../..');

test('the Bazel graph matches the pnpm workspace: every package, source, dependency and script', () => {
  const findings = checkBazelConsistency(REPO).map((f) => `${f.file}: ${f.message}`);
  assert.deepEqual(findings, [], `the Bazel graph and the pnpm workspace disagree; fix each line (or run \`pnpm lint:bazel\`):\n${findings.join('\n')}`);
});
