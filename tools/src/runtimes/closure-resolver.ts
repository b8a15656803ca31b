import { satisfiesRelation } from './debian-version.ts';
import type { DependencyAlternative } from './dependency-field.ts';
import type { IndexedPackage, PackageIndex } from './package-index.ts';

/** A package chosen for a runtime, with the package whose dependency pulled it in (or `root`). */
export interface ResolvedPackage {
  readonly pkg: IndexedPackage;
  readonly via: string;
}

/**
 * Computes the Pre-Depends/Depends closure of `roots` in one index, stopping
 * at `excluded`: a declared set of packages (or virtual names) a runtime
 * deliberately leaves out, such as dpkg or debconf, whose absence only matters
 * to maintainer scripts we never run.
 *
 * For each dependency group the rule is: already satisfied by a chosen
 * package (by name or Provides, honouring versions) → nothing to do; else an
 * excluded alternative → skip the group; else take the first alternative that
 * a real package satisfies, or the single provider of a virtual name. Recommends,
 * Suggests and Breaks are ignored (a runtime is a fixed set, not an upgrade).
 * Anything unsatisfiable or ambiguous throws with the chain that led there:
 * a runtime that silently lacks a library fails later, far from the cause.
 * The result is sorted by package name.
 */
export function resolveClosure(index: PackageIndex, roots: readonly string[], excluded: ReadonlySet<string>): ResolvedPackage[] {
  const chosen = new Map<string, ResolvedPackage>();
  const queue: IndexedPackage[] = [];
  const choose = (pkg: IndexedPackage, via: string): void => {
    if (chosen.has(pkg.name)) return;
    if (excluded.has(pkg.name)) throw new Error(`${index.label}: ${pkg.name} is both needed (via ${via}) and excluded`);
    chosen.set(pkg.name, { pkg, via });
    queue.push(pkg);
  };
  for (const root of roots) {
    const pkg = index.get(root);
    if (pkg === undefined) throw new Error(`${index.label}: root package ${root} is not in the index`);
    choose(pkg, 'root');
  }
  while (queue.length > 0) {
    const pkg = queue.shift() as IndexedPackage;
    for (const group of pkg.depends) {
      if (group.some((alt) => satisfiedByChosen(alt, chosen))) continue;
      if (group.some((alt) => excluded.has(alt.name))) continue;
      const pick = pickAlternative(index, group, pkg.name);
      choose(pick, pkg.name);
    }
  }
  return [...chosen.values()].sort((a, b) => (a.pkg.name < b.pkg.name ? -1 : a.pkg.name > b.pkg.name ? 1 : 0));
}

function satisfiedByChosen(alt: DependencyAlternative, chosen: ReadonlyMap<string, ResolvedPackage>): boolean {
  const direct = chosen.get(alt.name);
  if (direct !== undefined && versionOk(direct.pkg.version, alt)) return true;
  for (const { pkg } of chosen.values()) {
    for (const p of pkg.provides) {
      if (p.name !== alt.name) continue;
      if (alt.relation === undefined) return true;
      if (p.version !== undefined && versionOk(p.version, alt)) return true;
    }
  }
  return false;
}

function pickAlternative(index: PackageIndex, group: readonly DependencyAlternative[], owner: string): IndexedPackage {
  const reasons: string[] = [];
  for (const alt of group) {
    const real = index.get(alt.name);
    if (real !== undefined) {
      if (versionOk(real.version, alt)) return real;
      reasons.push(`${alt.name} ${real.version} does not satisfy ${describe(alt)}`);
      continue;
    }
    const providers = index.providers(alt.name).filter((p) =>
      p.provides.some((v) => v.name === alt.name && (alt.relation === undefined || (v.version !== undefined && versionOk(v.version, alt)))),
    );
    if (providers.length === 1) return providers[0] as IndexedPackage;
    if (providers.length > 1) {
      throw new Error(
        `${index.label}: ${owner} depends on virtual ${describe(alt)}, provided by ${providers.map((p) => p.name).join(', ')}; ` +
          'add the intended provider to the runtime roots or the rest to its excluded set',
      );
    }
    reasons.push(`no package is or provides ${describe(alt)}`);
  }
  throw new Error(`${index.label}: cannot satisfy ${owner}'s dependency ${group.map(describe).join(' | ')}: ${reasons.join('; ')}`);
}

function versionOk(version: string, alt: DependencyAlternative): boolean {
  return alt.relation === undefined || alt.version === undefined || satisfiesRelation(version, alt.relation, alt.version);
}

function describe(alt: DependencyAlternative): string {
  return alt.relation === undefined ? alt.name : `${alt.name} (${alt.relation} ${alt.version})`;
}
