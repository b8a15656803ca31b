import type { IndexSource } from './archive-index-fetcher.ts';
import { resolveClosure } from './closure-resolver.ts';
import { parseDebianVersion } from './debian-version.ts';
import type { LockedPackage, LockedRuntime, RuntimeLock } from './runtime-lock.ts';
import type { ArchInfo, RuntimeArch, RuntimeSpec } from './runtime-set.ts';

/**
 * Resolves the declared runtime set against the suites' current indexes
 * into a new lock. Fails when a suite's libc6 is no longer the glibc the
 * runtime's name promises: renaming a runtime is a decision, not an update.
 */
export async function resolveRuntimeLock(specs: readonly RuntimeSpec[], arches: readonly ArchInfo[], indexes: IndexSource): Promise<RuntimeLock> {
  const runtimes: LockedRuntime[] = [];
  for (const spec of specs) {
    const packages = {} as Record<RuntimeArch, LockedPackage[]>;
    for (const arch of arches) {
      const index = await indexes.packageIndex(spec.suite, arch.debianArch);
      const closure = resolveClosure(index, spec.roots, new Set(spec.excluded));
      const libc6 = closure.find((r) => r.pkg.name === 'libc6');
      const upstream = libc6 === undefined ? undefined : parseDebianVersion(libc6.pkg.version).upstream;
      if (upstream !== spec.glibc) {
        throw new Error(`${spec.name}: ${index.label} has libc6 ${libc6?.pkg.version ?? '(none)'}, which is not glibc ${spec.glibc}`);
      }
      packages[arch.arch] = closure.map(({ pkg, via }) => ({ name: pkg.name, version: pkg.version, filename: pkg.filename, size: pkg.size, sha256: pkg.sha256, via }));
    }
    runtimes.push({ name: spec.name, suite: spec.suite, glibc: spec.glibc, mergedUsr: spec.mergedUsr, roots: spec.roots, excluded: spec.excluded, packages });
  }
  return { format: 1, runtimes };
}

/** Human-readable lines describing what changed between two locks, for the update's output. */
export function describeLockChanges(before: RuntimeLock | undefined, after: RuntimeLock, arches: readonly ArchInfo[]): string[] {
  const lines: string[] = [];
  for (const rt of after.runtimes) {
    const old = before?.runtimes.find((r) => r.name === rt.name);
    for (const arch of arches) {
      const was = new Map((old?.packages[arch.arch] ?? []).map((p) => [p.name, p]));
      const now = new Map(rt.packages[arch.arch].map((p) => [p.name, p]));
      for (const [name, p] of now) {
        const prev = was.get(name);
        if (prev === undefined) lines.push(`${rt.name} ${arch.arch}: + ${name} ${p.version}`);
        else if (prev.version !== p.version || prev.sha256 !== p.sha256) lines.push(`${rt.name} ${arch.arch}: ${name} ${prev.version} -> ${p.version}`);
      }
      for (const [name, p] of was) if (!now.has(name)) lines.push(`${rt.name} ${arch.arch}: - ${name} ${p.version}`);
    }
  }
  return lines;
}
