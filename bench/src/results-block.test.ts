import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { blockMarkers } from './cache-bench-report.ts';
import { replaceBlock, writeResultsBlock } from './results-block.ts';

const markers = blockMarkers(false);

describe('replaceBlock', () => {
  it('creates RESULTS.md with a title and the block when there is none', () => {
    const text = replaceBlock('', markers, 'numbers');
    assert.ok(text.startsWith('# Benchmark results\n\n'));
    assert.ok(text.includes(`${markers.begin}\nnumbers\n${markers.end}`));
  });

  it('replaces only the block and keeps the hand-written text around it', () => {
    const before = `# Results\n\nintro\n\n${markers.begin}\nold\n${markers.end}\n\n## Analysis\nkept\n`;
    const after = replaceBlock(before, markers, 'new');
    assert.equal(after, `# Results\n\nintro\n\n${markers.begin}\nnew\n${markers.end}\n\n## Analysis\nkept\n`);
  });

  it('leaves the other kind of block alone: a profiled run never overwrites the plain numbers', () => {
    const profiled = blockMarkers(true);
    const start = replaceBlock('', markers, 'plain');
    const both = replaceBlock(start, profiled, 'profiled');
    assert.ok(both.includes('plain') && both.includes('profiled'));
    assert.equal(replaceBlock(both, profiled, 'again').includes('plain'), true);
  });
});

describe('writeResultsBlock', () => {
  it('creates the file on the first run and replaces only its block later', () => {
    const dir = mkdtempSync(join(tmpdir(), 'results-block-'));
    try {
      const path = join(dir, 'RESULTS.md');
      writeResultsBlock(path, markers, 'first');
      writeFileSync(path, `${readFileSync(path, 'utf8')}\n## Analysis\nkept\n`);
      writeResultsBlock(path, markers, 'second');
      const text = readFileSync(path, 'utf8');
      assert.ok(text.includes(`${markers.begin}\nsecond\n${markers.end}`));
      assert.ok(!text.includes('first'));
      assert.ok(text.endsWith('## Analysis\nkept\n'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
