/**
 * The BUILD.bazel a TypeScript package needs, formatted the way buildifier
 * formats it, so the consistency check can print a file that can be pasted
 * as is (and passes `pnpm lint:bazel`).
 */
export function formatPackageBuildFile(name: string, deps: readonly string[], testDeps: readonly string[]): string {
  const lines = ['load("//bazel:actiond_ts_package.bzl", "actiond_ts_package")', '', 'actiond_ts_package(', `    name = ${JSON.stringify(name)},`];
  // buildifier's order: name, the attributes it has no rank for (alphabetically), then deps.
  lines.push(...listAttribute('test_deps', testDeps), ...listAttribute('deps', deps), ')', '');
  return lines.join('\n');
}

function listAttribute(attr: string, values: readonly string[]): string[] {
  const sorted = [...values].sort(buildifierOrder);
  if (sorted.length === 0) return [];
  if (sorted.length === 1) return [`    ${attr} = [${JSON.stringify(sorted[0])}],`];
  return [`    ${attr} = [`, ...sorted.map((v) => `        ${JSON.stringify(v)},`), '    ],'];
}

/** buildifier's order for string lists: plain names, then `:x`, then `//x`, then `@x`; each by its `.`-separated parts. */
function buildifierOrder(a: string, b: string): number {
  const phase = (v: string): number => (v.startsWith(':') ? 1 : v.startsWith('//') ? 2 : v.startsWith('@') ? 3 : 0);
  if (phase(a) !== phase(b)) return phase(a) - phase(b);
  const pa = a.replaceAll(':', '.').split('.');
  const pb = b.replaceAll(':', '.').split('.');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] !== pb[i]) return (pa[i] as string) < (pb[i] as string) ? -1 : 1;
  }
  return pa.length - pb.length;
}
