import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';

const packageDir = join(import.meta.dirname, '..');
const committedDir = join(packageDir, 'src', 'gen');

/** Every file below `dir`, as paths relative to it, sorted. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/**
 * Files whose committed copy is missing, extra or different from what
 * generate.sh produces into `freshDir`, each with the reason.
 */
function staleFiles(freshDir: string): string[] {
  const fresh = new Set(listFiles(freshDir));
  const committed = new Set(listFiles(committedDir));
  const stale: string[] = [];
  for (const file of fresh) {
    if (!committed.has(file)) {
      stale.push(`${file} (not committed)`);
    } else if (!readFileSync(join(freshDir, file)).equals(readFileSync(join(committedDir, file)))) {
      stale.push(`${file} (differs)`);
    }
  }
  for (const file of committed) {
    if (!fresh.has(file)) stale.push(`${file} (no longer generated)`);
  }
  return stale;
}

test('committed src/gen is exactly what generate.sh produces from protos/', () => {
  const freshDir = mkdtempSync(join(tmpdir(), 'actiond-proto-gen-'));
  try {
    execFileSync('bash', [join(packageDir, 'generate.sh'), freshDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    const stale = staleFiles(freshDir);
    assert.deepEqual(
      stale,
      [],
      `libs/proto/src/gen is stale; run \`pnpm exec bash libs/proto/generate.sh\` and commit the result:\n  ${stale.join('\n  ')}`,
    );
  } finally {
    rmSync(freshDir, { recursive: true, force: true });
  }
});
