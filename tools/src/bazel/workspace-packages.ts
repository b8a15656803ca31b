import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { evaluateGlob } from './build-glob.ts';

/** One package of the pnpm workspace, as pnpm-workspace.yaml and its package.json declare it. */
export interface WorkspacePackage {
  /** Repository-relative directory, e.g. `libs/digest`. */
  readonly dir: string;
  readonly name: string;
  /** Names in `dependencies`. */
  readonly dependencies: ReadonlySet<string>;
  /** Names in `devDependencies`. */
  readonly devDependencies: ReadonlySet<string>;
  readonly scripts: ReadonlyMap<string, string>;
}

/**
 * Reads the `packages:` globs of pnpm-workspace.yaml (a plain YAML list of
 * strings; negations are not used here and are rejected) and returns every
 * directory they match that has a package.json, sorted by directory.
 */
export function readWorkspacePackages(root: string): WorkspacePackage[] {
  const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const patterns = workspaceGlobs(yaml);
  const dirs = new Set<string>();
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) throw new Error(`pnpm-workspace.yaml: negated pattern ${pattern} is not supported by the Bazel consistency check`);
    const depth = pattern.split('/').length;
    for (const dir of evaluateGlob(listDirectories(root, depth), [pattern])) {
      if (existsSync(join(root, dir, 'package.json'))) dirs.add(dir);
    }
  }
  return [...dirs].sort().map((dir) => readPackage(root, dir));
}

/** The root package.json, read like a workspace package (dir `.`). */
export function readRootPackage(root: string): WorkspacePackage & { readonly devDependencyVersions: ReadonlyMap<string, string> } {
  const pkg = readPackage(root, '.');
  const json = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
  return { ...pkg, devDependencyVersions: new Map(Object.entries(json.devDependencies ?? {})) };
}

function readPackage(root: string, dir: string): WorkspacePackage {
  const path = join(root, dir, 'package.json');
  let json: { name?: unknown; dependencies?: Record<string, string>; devDependencies?: Record<string, string>; scripts?: Record<string, string> };
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${relative(root, path)}: ${(e as Error).message}`);
  }
  if (typeof json.name !== 'string' && dir !== '.') throw new Error(`${relative(root, path)}: has no "name"`);
  return {
    dir,
    name: typeof json.name === 'string' ? json.name : '',
    dependencies: new Set(Object.keys(json.dependencies ?? {})),
    devDependencies: new Set(Object.keys(json.devDependencies ?? {})),
    scripts: new Map(Object.entries(json.scripts ?? {})),
  };
}

function workspaceGlobs(yaml: string): string[] {
  const out: string[] = [];
  let inPackages = false;
  for (const raw of yaml.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').replace(/^#.*$/, '');
    if (/^packages:\s*$/.test(line)) {
      inPackages = true;
      continue;
    }
    if (!inPackages) continue;
    const item = /^\s+-\s+(['"]?)([^'"]+)\1\s*$/.exec(line);
    if (item !== null) out.push((item[2] as string).replace(/\/+$/, ''));
    else if (/^\S/.test(line)) inPackages = false;
  }
  if (out.length === 0) throw new Error('pnpm-workspace.yaml: no packages: list found');
  return out;
}

/** Repository-relative directories up to `depth` levels deep, skipping node_modules and dot-directories. */
function listDirectories(root: string, depth: number): string[] {
  const out: string[] = [];
  const walk = (rel: string, level: number): void => {
    if (level > depth) return;
    for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      out.push(child);
      walk(child, level + 1);
    }
  };
  walk('', 1);
  return out;
}

/**
 * Package-relative paths of every file under `dir`, the way Bazel's glob sees
 * the package: node_modules, dot-directories and subpackages (directories
 * with their own BUILD file) excluded.
 */
export function listPackageFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    const abs = join(root, dir, rel);
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
        if (existsSync(join(abs, entry.name, 'BUILD.bazel')) || existsSync(join(abs, entry.name, 'BUILD'))) continue;
        walk(child);
      } else if (entry.isFile() || (entry.isSymbolicLink() && statSync(join(abs, entry.name), { throwIfNoEntry: false })?.isFile() === true)) {
        out.push(child);
      }
    }
  };
  walk('');
  return out.sort();
}
