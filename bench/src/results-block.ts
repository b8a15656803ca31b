import { readFileSync, writeFileSync } from 'node:fs';

/** The two comment lines around a benchmark's block in RESULTS.md. */
export interface BlockMarkers {
  readonly begin: string;
  readonly end: string;
}

/**
 * `existing` (RESULTS.md, possibly empty) with the block between `markers`
 * replaced by `block`, or the block appended if the file has none yet.
 */
export function replaceBlock(existing: string, markers: BlockMarkers, block: string): string {
  const wrapped = `${markers.begin}\n${block}\n${markers.end}`;
  const beginTag = markers.begin.slice(0, markers.begin.indexOf(' begin') + ' begin'.length);
  const start = existing.indexOf(beginTag);
  const end = existing.indexOf(markers.end);
  if (start >= 0 && end > start) return existing.slice(0, start) + wrapped + existing.slice(end + markers.end.length);
  const base = existing.trimEnd();
  return `${base === '' ? '# Benchmark results' : base}\n\n${wrapped}\n`;
}

/**
 * Replaces the block between `markers` in the results file at `path` with
 * `block` (creating the file, or appending the block, if needed), keeping
 * the hand-written text around it. Shared by bench:cache, bench:execute and
 * bench:bazel.
 */
export function writeResultsBlock(path: string, markers: BlockMarkers, block: string): void {
  let existing = '';
  try {
    existing = readFileSync(path, 'utf8');
  } catch {
    // first run: the file is created
  }
  writeFileSync(path, replaceBlock(existing, markers, block));
}
