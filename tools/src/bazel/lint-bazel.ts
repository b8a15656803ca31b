/**
 * `pnpm lint:bazel`: buildifier (format and every lint warning) over all
 * Starlark files, then the check that the Bazel graph matches the pnpm
 * workspace. Prints one line per problem (the consistency findings say what
 * to change in which file) and exits 1 when there is any.
 */
import { fileURLToPath } from 'node:url';
import { checkBazelConsistency } from './pnpm-bazel-consistency.ts';
import { buildifierBinary, findStarlarkFiles, lintStarlark } from './buildifier-lint.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
try {
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
