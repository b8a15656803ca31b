/**
 * `pnpm lint:bazel`: buildifier (format and every lint warning) over all
 * Starlark files, then the check that the Bazel graph matches the pnpm
 * workspace. Prints one line per problem (the consistency findings say what
 * to change in which file) and exits 1 when there is any.
 *
 * `pnpm lint:bazel --fix` first creates missing package BUILD files and sets
 * every package's deps and test_deps from its imports, then formats the
 * Starlark files, then checks as above.
 */
import { fileURLToPath } from 'node:url';
import { checkBazelConsistency } from './pnpm-bazel-consistency.ts';
import { fixPackageBuildFiles } from './build-file-fixer.ts';
import { buildifierBinary, findStarlarkFiles, formatStarlark, lintStarlark } from './buildifier-lint.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
try {
  const args = process.argv.slice(2);
  if (args.some((a) => a !== '--fix')) throw new Error(`unknown argument ${args.find((a) => a !== '--fix')}; usage: pnpm lint:bazel [--fix]`);
  if (args.includes('--fix')) {
    for (const file of fixPackageBuildFiles(root)) console.log(`lint:bazel: updated ${file}`);
    formatStarlark(buildifierBinary(root), root, findStarlarkFiles(root).filter((f) => !f.startsWith('e2e/')));
  }
  const files = findStarlarkFiles(root);
  const lint = lintStarlark(buildifierBinary(root), root, files);
  for (const p of lint) console.error(`${p.file}${p.line === undefined ? '' : `:${p.line}`}: [${p.category}] ${p.message}`);
  const findings = checkBazelConsistency(root);
  for (const f of findings) console.error(`${f.file}: ${f.message}`);
  console.log(`lint:bazel: ${files.length} Starlark files, ${lint.length} buildifier problems, ${findings.length} Bazel/pnpm inconsistencies`);
  if (lint.length + findings.length > 0) process.exitCode = 1;
} catch (e) {
  console.error(`lint:bazel: ${(e as Error).message}`);
  process.exitCode = 1;
}
