import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** One thing buildifier objects to: a lint warning, a file that needs reformatting, or a syntax error. */
export interface BuildifierProblem {
  /** Repository-relative file. */
  readonly file: string;
  /** 1-based line, when buildifier gives one. */
  readonly line?: number;
  /** The warning category (e.g. `load`), `format` or `syntax`. */
  readonly category: string;
  readonly message: string;
}

/**
 * Every Starlark file of the repository: MODULE.bazel, BUILD.bazel, BUILD,
 * WORKSPACE and *.bzl files, including the e2e workspace's, outside
 * node_modules, dot-directories and Bazel's convenience symlinks. Sorted.
 */
export function findStarlarkFiles(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
    const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.') || entry.name.startsWith('bazel-')) continue;
      out.push(...findStarlarkFiles(root, child));
    } else if (entry.isFile() && isStarlark(entry.name)) {
      out.push(child);
    }
  }
  return out.sort();
}

function isStarlark(name: string): boolean {
  return ['MODULE.bazel', 'BUILD.bazel', 'BUILD', 'WORKSPACE', 'WORKSPACE.bazel'].includes(name) || name.endsWith('.bzl');
}

/**
 * The buildifier binary the `@bazel/buildifier` npm package (a devDependency
 * of @actiond/tools) ships for this machine. Throws saying how to install it
 * when it is missing.
 */
export function buildifierBinary(root: string, platform: string = process.platform, arch: string = process.arch): string {
  const cpu = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[arch];
  const os = ({ linux: 'linux', darwin: 'darwin' } as Record<string, string>)[platform];
  if (cpu === undefined || os === undefined) throw new Error(`@bazel/buildifier ships no binary for ${platform}/${arch}`);
  const path = join(root, 'tools/node_modules/@bazel/buildifier', `buildifier-${os}_${cpu}`);
  if (!existsSync(path)) throw new Error(`buildifier is not installed at ${path}: run \`pnpm install\` at the repository root`);
  return path;
}

/**
 * Runs buildifier in check mode with every lint warning enabled on `files`
 * (repository-relative) and returns each problem it reports; an empty list
 * means the files are formatted and lint-clean.
 */
export function lintStarlark(binary: string, root: string, files: readonly string[]): BuildifierProblem[] {
  if (files.length === 0) return [];
  let stdout: string;
  try {
    stdout = execFileSync(binary, ['--mode=check', '--lint=warn', '--warnings=all', '--format=json', ...files], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    // Exit status 1 (syntax errors) and 4 (reformat needed) still print the JSON report.
    const err = e as { stdout?: string; stderr?: string; status?: number };
    if (err.stdout === undefined || err.stdout === '') throw new Error(`buildifier failed (exit status ${err.status}): ${err.stderr ?? ''}`);
    stdout = err.stdout;
  }
  const report = JSON.parse(stdout) as {
    files?: Array<{
      filename: string;
      formatted: boolean;
      valid: boolean;
      warnings?: Array<{ start?: { line: number }; category: string; message: string }>;
    }>;
  };
  const problems: BuildifierProblem[] = [];
  for (const f of report.files ?? []) {
    if (!f.valid) problems.push({ file: f.filename, category: 'syntax', message: 'buildifier cannot parse this file' });
    else if (!f.formatted) problems.push({ file: f.filename, category: 'format', message: `not formatted; run tools/node_modules/.bin/buildifier ${f.filename}` });
    for (const w of f.warnings ?? []) {
      problems.push({ file: f.filename, ...(w.start === undefined ? {} : { line: w.start.line }), category: w.category, message: w.message.split('\n')[0] as string });
    }
  }
  return problems;
}

/** Formats `files` (repository-relative) in place, as `buildifier` with no flags does. */
export function formatStarlark(binary: string, root: string, files: readonly string[]): void {
  if (files.length > 0) execFileSync(binary, ['--mode=fix', '--lint=off', ...files], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
}
