import type { VersionRelation } from './debian-version.ts';

/** One alternative of a dependency: a package name and an optional version constraint. */
export interface DependencyAlternative {
  readonly name: string;
  readonly relation?: VersionRelation;
  readonly version?: string;
}

/** A comma-separated item of Depends/Pre-Depends: satisfied by any one of its alternatives (`a | b`). */
export type DependencyGroup = readonly DependencyAlternative[];

const ALTERNATIVE = /^([a-z0-9][a-z0-9+.-]*)(?::([a-z0-9-]+))?(?:\s*\(\s*(<<|<=|=|>=|>>|<|>)\s*([^\s)]+)\s*\))?(?:\s*\[[^\]]*\])?(?:\s*<[^>]*>)*$/;

/**
 * Parses a Depends-style field (`libc6 (>= 2.34), dpkg (>= 1.15) | install-info`).
 * Architecture qualifiers such as `:any` are dropped: every package in a
 * runtime comes from one architecture's index. The obsolete relations `<` and
 * `>` mean `<=` and `>=` (deb-control(5)). Throws naming `owner` on anything
 * it cannot read, rather than guessing at a dependency.
 */
export function parseDependencyField(text: string, owner: string): DependencyGroup[] {
  const groups: DependencyGroup[] = [];
  for (const item of text.split(',')) {
    const trimmed = item.trim();
    if (trimmed === '') continue;
    groups.push(
      trimmed.split('|').map((alt) => {
        const m = ALTERNATIVE.exec(alt.trim());
        if (m === null) throw new Error(`${owner}: cannot parse dependency ${JSON.stringify(alt.trim())}`);
        const [, name, , op, version] = m;
        if (op === undefined || version === undefined) return { name: name as string };
        const relation = (op === '<' ? '<=' : op === '>' ? '>=' : op) as VersionRelation;
        return { name: name as string, relation, version };
      }),
    );
  }
  return groups;
}

/** Parses a Provides field: names with an optional `(= version)`. */
export function parseProvidesField(text: string, owner: string): DependencyAlternative[] {
  return parseDependencyField(text, owner).map((group) => {
    const [only] = group;
    if (group.length !== 1 || only === undefined) throw new Error(`${owner}: Provides may not contain alternatives`);
    return only;
  });
}
