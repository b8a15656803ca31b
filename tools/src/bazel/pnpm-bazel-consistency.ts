import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, join, posix } from 'node:path';
import { evaluateGlob } from './build-glob.ts';
import { formatPackageBuildFile } from './package-build-file.ts';
import { parseStarlarkFile, readStarlarkConstant, stringDict, stringList, stringValue } from './starlark-syntax.ts';
import type { StarlarkCall, StarlarkFile } from './starlark-syntax.ts';
import { packageOfSpecifier, scanImports } from './typescript-imports.ts';
import { listPackageFiles, readRootPackage, readWorkspacePackages } from './workspace-packages.ts';
import type { WorkspacePackage } from './workspace-packages.ts';

/** One disagreement between the Bazel graph and the pnpm workspace, with the fix in the message. */
export interface Finding {
  /** Repository-relative file to change. */
  readonly file: string;
  readonly message: string;
}

const MACRO = 'actiond_ts_package';
const MACRO_BZL = 'bazel/actiond_ts_package.bzl';
const MACRO_LABEL = `//${MACRO_BZL.replace(/\/([^/]+)$/, ':$1')}`;
const BUILTINS: ReadonlySet<string> = new Set(builtinModules.filter((m) => !m.startsWith('_')));

/**
 * Checks the Bazel graph against the pnpm workspace, deriving everything from
 * the files: pnpm-workspace.yaml's globs, each package.json, the imports in
 * each source file, tsconfig.json's include list, the root `test` script,
 * binding.gyp files and runtimes/runtimes.lock.json. Returns every finding;
 * an empty list means the two build paths agree.
 */
export function checkBazelConsistency(root: string): Finding[] {
  const findings: Finding[] = [];
  const macroBzl = readFileSync(join(root, MACRO_BZL), 'utf8');
  const defaults = {
    srcs: stringList(readStarlarkConstant(macroBzl, 'SRCS', MACRO_BZL), `${MACRO_BZL}: SRCS`),
    tests: stringList(readStarlarkConstant(macroBzl, 'TESTS', MACRO_BZL), `${MACRO_BZL}: TESTS`),
  };
  const typecheck = tsconfigIncludes(root);
  const rootPackage = readRootPackage(root);
  const testGlobs = pnpmTestGlobs(rootPackage.scripts.get('test') ?? '');
  const packages = readWorkspacePackages(root);
  for (const pkg of packages) findings.push(...checkPackage(root, pkg, defaults, typecheck, testGlobs));
  findings.push(...checkNodeVersion(root, rootPackage.devDependencyVersions.get('node')));
  findings.push(...checkBazelignore(root, packages));
  findings.push(...checkRuntimeNames(root));
  findings.push(...checkNativeHelpers(root, packages));
  findings.push(...checkScriptsBazelCalls(root, packages, rootPackage, testGlobs));
  return findings;
}

/** What a package's BUILD file must say, derived from its files. */
export interface PackageFacts {
  readonly srcFiles: readonly string[];
  readonly testFiles: readonly string[];
  /** npm packages imported by the sources / only by the tests, each with the first file importing it. */
  readonly deps: ReadonlyMap<string, string>;
  readonly testDeps: ReadonlyMap<string, string>;
}

function checkPackage(
  root: string,
  pkg: WorkspacePackage,
  defaults: { srcs: string[]; tests: string[] },
  typecheck: { include: string[]; exclude: string[] },
  testGlobs: string[],
): Finding[] {
  const buildPath = `${pkg.dir}/BUILD.bazel`;
  const files = listPackageFiles(root, pkg.dir);
  const name = basename(pkg.dir);
  if (!existsSync(join(root, buildPath))) {
    const facts = packageFacts(root, pkg.dir, files, defaults.srcs, defaults.tests);
    return [{ file: buildPath, message: `${pkg.name} has no BUILD.bazel; create ${buildPath} with:\n${formatPackageBuildFile(name, [...facts.deps.keys()], [...facts.testDeps.keys()])}` }];
  }
  let build: StarlarkFile;
  try {
    build = parseStarlarkFile(readFileSync(join(root, buildPath), 'utf8'), buildPath);
  } catch (e) {
    return [{ file: buildPath, message: (e as Error).message }];
  }
  const macroCalls = build.calls.filter((c) => c.callee === MACRO);
  if (macroCalls.length !== 1 || !build.loads.some((l) => l.label === MACRO_LABEL && l.symbols.get(MACRO) === MACRO)) {
    const facts = packageFacts(root, pkg.dir, files, defaults.srcs, defaults.tests);
    return [{
      file: buildPath,
      message: `${buildPath} must load ${MACRO} from ${MACRO_LABEL} and call it exactly once (found ${macroCalls.length} calls); for example:\n${formatPackageBuildFile(name, [...facts.deps.keys()], [...facts.testDeps.keys()])}`,
    }];
  }
  const call = macroCalls[0] as StarlarkCall;
  const where = `${MACRO}(name = ${JSON.stringify(stringValue(call.kwargs.get('name'), 'name') ?? '?')}) in ${buildPath}`;
  const out: Finding[] = [];
  const add = (message: string): void => void out.push({ file: buildPath, message });
  let attrs: { srcs: string[]; tests: string[]; deps: string[]; testDeps: string[]; data: string[]; testData: string[]; pnpmOnly: Map<string, string> };
  try {
    attrs = {
      srcs: call.kwargs.has('srcs') ? stringList(call.kwargs.get('srcs'), `${where}: srcs`) : defaults.srcs,
      tests: call.kwargs.has('tests') ? stringList(call.kwargs.get('tests'), `${where}: tests`) : defaults.tests,
      deps: stringList(call.kwargs.get('deps'), `${where}: deps`),
      testDeps: stringList(call.kwargs.get('test_deps'), `${where}: test_deps`),
      data: stringList(call.kwargs.get('data'), `${where}: data`),
      testData: stringList(call.kwargs.get('test_data'), `${where}: test_data`),
      pnpmOnly: stringDict(call.kwargs.get('pnpm_only_tests'), `${where}: pnpm_only_tests`),
    };
  } catch (e) {
    return [{ file: buildPath, message: (e as Error).message }];
  }
  const facts = packageFacts(root, pkg.dir, files, attrs.srcs, attrs.tests);
  const built = new Set([...facts.srcFiles, ...facts.testFiles]);
  const tests = new Set(facts.testFiles);

  // Sources: what pnpm type-checks and tests, Bazel must build and test.
  for (const file of files) {
    const repoPath = `${pkg.dir}/${file}`;
    const checked = evaluateGlob([repoPath], typecheck.include, typecheck.exclude).length > 0;
    if (checked && !built.has(file)) add(`${where}: ${file} is type-checked by \`pnpm typecheck\` (tsconfig.json) but is in neither srcs ${JSON.stringify(attrs.srcs)} nor tests ${JSON.stringify(attrs.tests)}: add a pattern that matches it to srcs`);
    if (evaluateGlob([repoPath], testGlobs).length > 0 && !tests.has(file)) add(`${where}: ${file} is run by \`pnpm test\` but is not matched by tests ${JSON.stringify(attrs.tests)}: add a pattern that matches it to tests`);
  }
  for (const [test, reason] of attrs.pnpmOnly) {
    if (!tests.has(test)) add(`${where}: pnpm_only_tests names ${test}, which is not one of the package's tests; remove it`);
    if (reason.trim() === '') add(`${where}: pnpm_only_tests[${JSON.stringify(test)}] needs the reason the test cannot run under Bazel`);
  }

  // Relative imports and the files modules read next to themselves.
  const dataPaths = new Set(attrs.data.map((l) => labelPath(l, pkg.dir)));
  const testDataPaths = new Set([...dataPaths, ...attrs.testData.map((l) => labelPath(l, pkg.dir))]);
  for (const file of built) {
    const isTest = tests.has(file);
    const imports = scanImports(readFileSync(join(root, pkg.dir, file), 'utf8'));
    for (const spec of imports.specifiers) {
      if (!spec.startsWith('.')) continue;
      const target = posix.normalize(posix.join(posix.dirname(file), spec));
      if (target.startsWith('../')) {
        add(`${where}: ${file} imports ${spec}, outside its package; import it by its package name and add that package to ${isTest ? 'test_deps' : 'deps'}`);
      } else if (!files.includes(target)) {
        add(`${where}: ${file} imports ${spec}, but ${pkg.dir}/${target} does not exist: add the missing source file or fix the import`);
      } else if (!built.has(target)) {
        add(`${where}: ${file} imports ${target}, which is in neither srcs nor tests: add a pattern that matches it to srcs`);
      } else if (!isTest && tests.has(target)) {
        add(`${where}: ${file} is a source but imports the test file ${target}; sources may only import sources`);
      }
    }
    for (const ref of imports.siblingFiles) {
      const target = posix.normalize(posix.join(posix.dirname(file), ref));
      if (target === '.' || target.startsWith('../') || ref.endsWith('/') || isDirectory(join(root, pkg.dir, target))) continue;
      if (built.has(target)) continue;
      const provided = isTest ? testDataPaths : dataPaths;
      if (!provided.has(target)) add(`${where}: ${file} reads ${target} at run time (${JSON.stringify(ref)} relative to itself): add ":${target}" (or the target that produces it) to ${isTest ? 'test_data' : 'data'}`);
    }
  }

  // npm dependencies: Bazel links exactly what the BUILD file lists.
  const declared = new Set([...pkg.dependencies, ...pkg.devDependencies]);
  for (const [dep, file] of [...facts.deps, ...facts.testDeps]) {
    if (!declared.has(dep)) add(`${where}: ${file} imports ${dep}, which ${pkg.dir}/package.json does not declare; add it there (an exact version, or "workspace:*" for @actiond packages) and run pnpm install`);
  }
  compareDeps(add, where, 'deps', attrs.deps, facts.deps, 'the sources');
  compareDeps(add, where, 'test_deps', attrs.testDeps, facts.testDeps, 'the tests (and not the sources)');
  return out;
}

function compareDeps(add: (m: string) => void, where: string, attr: string, listed: readonly string[], wanted: ReadonlyMap<string, string>, who: string): void {
  const seen = new Set<string>();
  for (const dep of listed) {
    if (seen.has(dep)) add(`${where}: ${attr} lists ${JSON.stringify(dep)} twice; remove one`);
    seen.add(dep);
    if (!wanted.has(dep)) add(`${where}: remove ${JSON.stringify(dep)} from ${attr}: nothing in ${who} imports it`);
  }
  for (const [dep, file] of wanted) {
    if (!seen.has(dep)) add(`${where}: add ${JSON.stringify(dep)} to ${attr} (imported by ${file})`);
  }
}

/** Which files a package builds and tests and which npm packages they import. */
export function packageFacts(root: string, dir: string, files: readonly string[], srcs: readonly string[], tests: readonly string[]): PackageFacts {
  const testFiles = evaluateGlob(files, tests);
  const srcFiles = evaluateGlob(files, srcs, tests);
  const collect = (list: readonly string[]): Map<string, string> => {
    const found = new Map<string, string>();
    for (const file of list) {
      for (const spec of scanImports(readFileSync(join(root, dir, file), 'utf8')).specifiers) {
        const name = packageOfSpecifier(spec, BUILTINS);
        if (name !== undefined && !found.has(name)) found.set(name, file);
      }
    }
    return new Map([...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  };
  const deps = collect(srcFiles);
  const testDeps = new Map([...collect(testFiles)].filter(([name]) => !deps.has(name)));
  return { srcFiles, testFiles, deps, testDeps };
}

/** The package-relative path a label in a BUILD file's data list names (`:x`, `x`, `//dir:x`). */
function labelPath(label: string, dir: string): string {
  if (label.startsWith(`//${dir}:`)) return label.slice(dir.length + 3);
  if (label.startsWith(':')) return label.slice(1);
  return label;
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
}

/** tsconfig.json's include and exclude lists: the files `pnpm typecheck` checks. */
function tsconfigIncludes(root: string): { include: string[]; exclude: string[] } {
  const json = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as { include?: string[]; exclude?: string[] };
  return { include: json.include ?? [], exclude: (json.exclude ?? []).filter((p) => !p.includes('node_modules')) };
}

/** The quoted test-file globs of the root `test` script, e.g. 'libs/*\/src/**\/*.test.ts'. */
export function pnpmTestGlobs(script: string): string[] {
  return [...script.matchAll(/'([^'\s]+\.test\.ts)'/g)].map((m) => m[1] as string);
}

function checkNodeVersion(root: string, pnpmNode: string | undefined): Finding[] {
  const module = parseStarlarkFile(readFileSync(join(root, 'MODULE.bazel'), 'utf8'), 'MODULE.bazel');
  const bazelNode = stringValue(module.assignments.get('NODE_VERSION'), 'MODULE.bazel: NODE_VERSION');
  if (bazelNode === undefined) return [{ file: 'MODULE.bazel', message: 'MODULE.bazel must assign NODE_VERSION (the Node.js the node.toolchain uses)' }];
  if (bazelNode !== pnpmNode) {
    return [{ file: 'MODULE.bazel', message: `NODE_VERSION is ${JSON.stringify(bazelNode)} but the root package.json pins node ${JSON.stringify(pnpmNode)}: set NODE_VERSION = ${JSON.stringify(pnpmNode)}` }];
  }
  return [];
}

function checkBazelignore(root: string, packages: readonly WorkspacePackage[]): Finding[] {
  const path = join(root, '.bazelignore');
  const lines = new Set(existsSync(path) ? readFileSync(path, 'utf8').split('\n').map((l) => l.trim().replace(/\/+$/, '')) : []);
  return ['node_modules', ...packages.map((p) => `${p.dir}/node_modules`)]
    .filter((dir) => !lines.has(dir))
    .map((dir) => ({ file: '.bazelignore', message: `add the line ${dir} to .bazelignore: rules_js requires every pnpm node_modules directory to be ignored by Bazel` }));
}

/** The default runtime of //platforms and of --config=actiond must be runtimes of the lock. */
function checkRuntimeNames(root: string): Finding[] {
  const lockPath = join(root, 'runtimes/runtimes.lock.json');
  if (!existsSync(lockPath)) {
    return [{ file: 'runtimes/runtimes.lock.json', message: 'runtimes/runtimes.lock.json is missing: MODULE.bazel (debian_packages), //platforms and //runtimes read it; create it with `pnpm runtimes:update`' }];
  }
  const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as { runtimes: Array<{ name: string }> };
  const names = lock.runtimes.map((r) => r.name);
  const out: Finding[] = [];
  const platforms = parseStarlarkFile(readFileSync(join(root, 'platforms/BUILD.bazel'), 'utf8'), 'platforms/BUILD.bazel');
  const call = platforms.calls.find((c) => c.callee === 'actiond_execution_platforms');
  const platformDefault = stringValue(call?.kwargs.get('default_runtime'), 'default_runtime');
  if (platformDefault === undefined || !names.includes(platformDefault)) {
    out.push({ file: 'platforms/BUILD.bazel', message: `actiond_execution_platforms(default_runtime = ${JSON.stringify(platformDefault)}) must name a runtime of runtimes/runtimes.lock.json: one of ${names.join(', ')}` });
  }
  const rc = readFileSync(join(root, '.bazelrc'), 'utf8');
  for (const m of rc.matchAll(/^build:actiond\s+--remote_default_exec_properties=libc=(\S+)$/gm)) {
    const libc = m[1] as string;
    if (!names.includes(libc)) out.push({ file: '.bazelrc', message: `--config=actiond sends libc=${libc}, which is not a runtime of runtimes/runtimes.lock.json (${names.join(', ')})` });
    else if (libc !== platformDefault) out.push({ file: '.bazelrc', message: `--config=actiond sends libc=${libc} but //platforms's default_runtime is ${platformDefault}; make them the same` });
  }
  return out;
}

/** Every binding.gyp target must be a cc_binary with the same sources, defines and flags. */
function checkNativeHelpers(root: string, packages: readonly WorkspacePackage[]): Finding[] {
  const out: Finding[] = [];
  for (const pkg of packages) {
    const gypPath = join(root, pkg.dir, 'binding.gyp');
    if (!existsSync(gypPath)) continue;
    const buildPath = `${pkg.dir}/BUILD.bazel`;
    const gyp = JSON.parse(readFileSync(gypPath, 'utf8').replace(/^\s*#.*$/gm, '')) as {
      targets: Array<{
        target_name: string;
        sources?: string[];
        defines?: string[];
        cflags?: string[];
        ldflags?: string[];
        configurations?: { Release?: { cflags?: string[] } };
      }>;
    };
    if (!existsSync(join(root, buildPath))) continue; // Reported by checkPackage.
    const build = parseStarlarkFile(readFileSync(join(root, buildPath), 'utf8'), buildPath);
    for (const target of gyp.targets) {
      const wanted = `build/Release/${target.target_name}`;
      const cc = build.calls.find((c) => c.callee === 'cc_binary' && stringValue(c.kwargs.get('name'), 'name') === wanted);
      if (cc === undefined) {
        out.push({ file: buildPath, message: `binding.gyp builds ${target.target_name}: add cc_binary(name = ${JSON.stringify(wanted)}, ...) to ${buildPath} (the same path node-gyp writes, so the code finds it under both build paths)` });
        continue;
      }
      const where = `cc_binary(name = ${JSON.stringify(wanted)}) in ${buildPath}`;
      const files = listPackageFiles(root, pkg.dir);
      const srcsValue = cc.kwargs.get('srcs');
      const srcs = srcsValue?.kind === 'call' && srcsValue.callee === 'glob'
        ? evaluateGlob(files, stringList(srcsValue.args[0], `${where}: srcs`), stringList(srcsValue.kwargs.get('exclude'), `${where}: srcs exclude`))
        : stringList(srcsValue, `${where}: srcs`);
      for (const source of target.sources ?? []) {
        if (!srcs.includes(source)) out.push({ file: buildPath, message: `${where}: add ${source} to srcs (binding.gyp compiles it)` });
      }
      for (const src of srcs.filter((s) => s.endsWith('.c'))) {
        if (!(target.sources ?? []).includes(src)) out.push({ file: buildPath, message: `${where}: ${src} is in srcs but binding.gyp does not compile it; add it to binding.gyp or remove it from srcs` });
      }
      const same = (a: readonly string[], b: readonly string[]): boolean => a.join('\u0000') === b.join('\u0000');
      // node-gyp builds the Release configuration: its cflags follow the target's.
      const cflags = [...(target.cflags ?? []), ...(target.configurations?.Release?.cflags ?? [])];
      const copts = stringList(cc.kwargs.get('copts'), `${where}: copts`);
      if (!same(copts, cflags)) out.push({ file: buildPath, message: `${where}: copts must equal binding.gyp's cflags (then Release's): ${JSON.stringify(cflags)}` });
      const linkopts = stringList(cc.kwargs.get('linkopts'), `${where}: linkopts`);
      if (!same(linkopts, target.ldflags ?? [])) out.push({ file: buildPath, message: `${where}: linkopts must equal binding.gyp's ldflags ${JSON.stringify(target.ldflags ?? [])}` });
      const defines = stringList(cc.kwargs.get('local_defines'), `${where}: local_defines`);
      if (!same(defines, target.defines ?? [])) out.push({ file: buildPath, message: `${where}: local_defines must equal binding.gyp's defines ${JSON.stringify(target.defines ?? [])}` });
    }
  }
  return out;
}

/**
 * Every script a Bazel rule runs (a js_binary's entry_point) must exist, be
 * what the pnpm path runs too (named in a package.json script or a shell
 * wrapper), and be tested through the pnpm path: some file `pnpm test` runs
 * must import (transitively) a module the script is made of.
 */
function checkScriptsBazelCalls(root: string, packages: readonly WorkspacePackage[], rootPackage: WorkspacePackage, testGlobs: string[]): Finding[] {
  const out: Finding[] = [];
  const buildFiles = findFiles(root, '', (name) => name === 'BUILD.bazel');
  const pnpmScripts = [rootPackage, ...packages].flatMap((p) => [...p.scripts.values()].map((s) => ({ dir: p.dir, text: s })));
  const shellScripts = findFiles(root, '', (name) => name.endsWith('.sh')).map((f) => ({ dir: posix.dirname(f), text: readFileSync(join(root, f), 'utf8') }));
  const allTs = findFiles(root, '', (name) => name.endsWith('.ts'));
  const testFiles = evaluateGlob(allTs, testGlobs);
  const tested = importClosure(root, testFiles);
  for (const buildPath of buildFiles) {
    const dir = posix.dirname(buildPath) === '.' ? '' : posix.dirname(buildPath);
    let build: StarlarkFile;
    try {
      build = parseStarlarkFile(readFileSync(join(root, buildPath), 'utf8'), buildPath);
    } catch (e) {
      out.push({ file: buildPath, message: (e as Error).message });
      continue;
    }
    for (const call of build.calls.filter((c) => c.callee === 'js_binary')) {
      const entry = stringValue(call.kwargs.get('entry_point'), `${buildPath}: entry_point`);
      if (entry === undefined) continue;
      // A compiled entry point (src/main.js, an output of the package's ts_project) stands for its source.
      const written = dir === '' ? entry : `${dir}/${entry}`;
      const script = written.endsWith('.js') && !existsSync(join(root, written)) ? written.replace(/\.js$/, '.ts') : written;
      const where = `js_binary(name = ${JSON.stringify(stringValue(call.kwargs.get('name'), 'name'))}) in ${buildPath}`;
      if (!existsSync(join(root, script))) {
        out.push({ file: buildPath, message: `${where}: entry_point ${script} does not exist` });
        continue;
      }
      const named = [...pnpmScripts, ...shellScripts].some((s) => s.text.includes(script) || (s.dir !== '.' && script.startsWith(`${s.dir}/`) && s.text.includes(script.slice(s.dir.length + 1))));
      if (!named) out.push({ file: buildPath, message: `${where}: ${script} is not run by the pnpm path (no package.json script or shell wrapper names it); Bazel must call the same entry point pnpm does` });
      const parts = importClosure(root, [script]);
      if (![...parts].some((f) => tested.has(f) && !f.endsWith('.test.ts'))) {
        out.push({ file: buildPath, message: `${where}: nothing \`pnpm test\` runs imports ${script} or any module it is made of; add a *.test.ts beside its logic` });
      }
    }
  }
  return out;
}

/** Repository-relative paths of `files` and everything they import by relative path, transitively. */
function importClosure(root: string, files: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...files];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file) || !existsSync(join(root, file))) continue;
    seen.add(file);
    for (const spec of scanImports(readFileSync(join(root, file), 'utf8')).specifiers) {
      if (spec.startsWith('.')) queue.push(posix.normalize(posix.join(posix.dirname(file), spec)));
    }
  }
  return seen;
}

/** Repository-relative files whose name passes `keep`, outside node_modules, dot-directories and e2e/ (a separate workspace). */
function findFiles(root: string, rel: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
    const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.') || child === 'e2e' || child === 'build' || /^bazel-/.test(child)) continue;
      out.push(...findFiles(root, child, keep));
    } else if (entry.isFile() && keep(entry.name)) {
      out.push(child);
    }
  }
  return out.sort();
}
