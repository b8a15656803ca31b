import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { formatPackageBuildFile } from './package-build-file.ts';
import { packageFacts } from './pnpm-bazel-consistency.ts';
import { parseStarlarkFile, readStarlarkConstant, stringList } from './starlark-syntax.ts';
import { listPackageFiles, readWorkspacePackages } from './workspace-packages.ts';

/**
 * `pnpm lint:bazel --fix`: brings the mechanical parts of the Bazel files in
 * line with the workspace — lists every package's node_modules in
 * .bazelignore, creates a missing BUILD.bazel, and
 * rewrites the deps and test_deps of each actiond_ts_package call to exactly
 * the npm packages its sources and tests import — leaving every other
 * attribute and comment as it is. Returns the files it changed. Everything
 * else the consistency check reports needs a person's decision.
 */
export function fixPackageBuildFiles(root: string): string[] {
  const bzl = readFileSync(join(root, 'bazel/actiond_ts_package.bzl'), 'utf8');
  const defaults = {
    srcs: stringList(readStarlarkConstant(bzl, 'SRCS', 'bazel/actiond_ts_package.bzl'), 'SRCS'),
    tests: stringList(readStarlarkConstant(bzl, 'TESTS', 'bazel/actiond_ts_package.bzl'), 'TESTS'),
  };
  const changed: string[] = [];
  const packages = readWorkspacePackages(root);
  const ignorePath = join(root, '.bazelignore');
  const ignore = existsSync(ignorePath) ? readFileSync(ignorePath, 'utf8') : '';
  const ignored = new Set(ignore.split('\n').map((l) => l.trim().replace(/\/+$/, '')));
  const missing = ['node_modules', ...packages.map((p) => `${p.dir}/node_modules`)].filter((d) => !ignored.has(d));
  if (missing.length > 0) {
    writeFileSync(ignorePath, `${ignore}${ignore === '' || ignore.endsWith('\n') ? '' : '\n'}${missing.join('\n')}\n`);
    changed.push('.bazelignore');
  }
  for (const pkg of packages) {
    const buildPath = `${pkg.dir}/BUILD.bazel`;
    const files = listPackageFiles(root, pkg.dir);
    if (!existsSync(join(root, buildPath))) {
      const facts = packageFacts(root, pkg.dir, files, defaults.srcs, defaults.tests);
      writeFileSync(join(root, buildPath), formatPackageBuildFile(basename(pkg.dir), [...facts.deps.keys()], [...facts.testDeps.keys()]));
      changed.push(buildPath);
      continue;
    }
    const text = readFileSync(join(root, buildPath), 'utf8');
    const call = parseStarlarkFile(text, buildPath).calls.find((c) => c.callee === 'actiond_ts_package');
    if (call === undefined) continue;
    const srcs = call.kwargs.has('srcs') ? stringList(call.kwargs.get('srcs'), 'srcs') : defaults.srcs;
    const tests = call.kwargs.has('tests') ? stringList(call.kwargs.get('tests'), 'tests') : defaults.tests;
    const facts = packageFacts(root, pkg.dir, files, srcs, tests);
    const fixed = setListAttribute(setListAttribute(text, 'deps', [...facts.deps.keys()]), 'test_deps', [...facts.testDeps.keys()]);
    if (fixed !== text) {
      writeFileSync(join(root, buildPath), fixed);
      changed.push(buildPath);
    }
  }
  return changed;
}

/**
 * Sets (or removes, when `values` is empty) the list attribute `attr` of the
 * actiond_ts_package call in `text`, keeping its place when present and
 * adding it before the closing parenthesis otherwise. The value is written in
 * buildifier's layout; the caller runs buildifier to settle attribute order.
 */
export function setListAttribute(text: string, attr: string, values: readonly string[]): string {
  const call = /^actiond_ts_package\(/m.exec(text);
  if (call === null) throw new Error('no actiond_ts_package( call at the start of a line');
  const spans = topLevelAttributes(text, call.index + call[0].length);
  const value = values.length === 0 ? '' : formatList(attr, values);
  const existing = spans.attributes.get(attr);
  if (existing !== undefined) return text.slice(0, existing.start) + value + text.slice(existing.end);
  if (value === '') return text;
  const close = spans.close;
  // `actiond_ts_package(name = "x")` on one line: open it up.
  const before = text.slice(0, close).replace(/,?\s*$/, '');
  const opened = before.endsWith('(') ? before : `${before},`;
  return `${opened.replace(/^actiond_ts_package\((?=\S)/m, 'actiond_ts_package(\n    ')}\n${value}${text.slice(close)}`;
}

function formatList(attr: string, values: readonly string[]): string {
  const file = formatPackageBuildFile('x', attr === 'deps' ? values : [], attr === 'deps' ? [] : values);
  const lines = file.split('\n');
  const first = lines.findIndex((l) => l.startsWith(`    ${attr} = `));
  let last = first;
  while (!(lines[last] as string).endsWith('],')) last++;
  return `${lines.slice(first, last + 1).join('\n')}\n`;
}

/** Where each keyword argument of the call opened before `from` starts and ends (whole lines), and where `)` is. */
function topLevelAttributes(text: string, from: number): { attributes: Map<string, { start: number; end: number }>; close: number } {
  const attributes = new Map<string, { start: number; end: number }>();
  let depth = 1;
  let current: { name: string; start: number; ownLine: boolean } | undefined;
  // An attribute on its own line owns the whole line; one sharing a line ends after its comma.
  const finish = (end: number, comma: boolean): void => {
    if (current === undefined) return;
    const lineEnd = text.indexOf('\n', end);
    const stop = current.ownLine ? (lineEnd === -1 ? text.length : lineEnd + 1) : comma ? end + 1 : end;
    attributes.set(current.name, { start: current.start, end: stop });
    current = undefined;
  };
  for (let i = from; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '#') {
      i = text.indexOf('\n', i) === -1 ? text.length : text.indexOf('\n', i);
    } else if (c === '"' || c === "'") {
      const triple = text.startsWith(c.repeat(3), i);
      const quote = triple ? c.repeat(3) : c;
      let j = i + quote.length;
      while (j < text.length && !text.startsWith(quote, j)) j += text[j] === '\\' ? 2 : 1;
      i = j + quote.length - 1;
    } else if ('([{'.includes(c)) {
      depth++;
    } else if (')]}'.includes(c)) {
      depth--;
      if (depth === 0) {
        finish(i, false);
        return { attributes, close: i };
      }
    } else if (c === ',' && depth === 1) {
      finish(i, true);
    } else if (depth === 1 && current === undefined && /[A-Za-z_]/.test(c)) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(text.slice(i));
      if (m !== null) {
        const lineStart = text.lastIndexOf('\n', i) + 1;
        const onItsOwnLine = text.slice(lineStart, i).trim() === '';
        current = { name: m[1] as string, start: onItsOwnLine ? lineStart : i, ownLine: onItsOwnLine };
        i += (m[1] as string).length - 1;
      }
    }
  }
  throw new Error('unbalanced actiond_ts_package( call');
}
