import { parseControlStanzas } from './control-stanzas.ts';
import { compareDebianVersions } from './debian-version.ts';
import { parseDependencyField, parseProvidesField } from './dependency-field.ts';
import type { DependencyAlternative, DependencyGroup } from './dependency-field.ts';

/** A binary package as one suite's Packages index describes it. */
export interface IndexedPackage {
  readonly name: string;
  readonly version: string;
  /** Archive-relative path of the .deb, e.g. `pool/main/b/bash/bash_5.2.15-2+b2_amd64.deb`. */
  readonly filename: string;
  readonly size: number;
  readonly sha256: string;
  /** Pre-Depends followed by Depends: both must hold before a package is usable. */
  readonly depends: readonly DependencyGroup[];
  readonly provides: readonly DependencyAlternative[];
}

/**
 * The packages of one suite, component and architecture, looked up by name
 * or by a virtual name they provide. When an index lists a name twice, the
 * higher version wins, as apt's candidate selection would pick it.
 */
export class PackageIndex {
  readonly #byName = new Map<string, IndexedPackage>();
  readonly #providers = new Map<string, IndexedPackage[]>();
  /** Names this index for error messages, e.g. `bookworm/main/binary-amd64`. */
  readonly label: string;

  /** Indexes `packages`; see `PackageIndex.parse` to read them from Packages text. */
  constructor(label: string, packages: Iterable<IndexedPackage>) {
    this.label = label;
    for (const pkg of packages) {
      const seen = this.#byName.get(pkg.name);
      if (seen === undefined || compareDebianVersions(pkg.version, seen.version) > 0) this.#byName.set(pkg.name, pkg);
    }
    for (const pkg of this.#byName.values()) {
      for (const p of pkg.provides) {
        const list = this.#providers.get(p.name) ?? [];
        list.push(pkg);
        this.#providers.set(p.name, list);
      }
    }
  }

  /** Reads an uncompressed Packages file; throws naming the stanza that lacks a field or is malformed. */
  static parse(label: string, text: string): PackageIndex {
    const packages: IndexedPackage[] = [];
    for (const stanza of parseControlStanzas(text, label)) {
      const name = stanza.required('Package', label);
      const owner = `${label}: package ${name}`;
      const size = Number(stanza.required('Size', owner));
      const sha256 = stanza.required('SHA256', owner);
      if (!Number.isSafeInteger(size) || size <= 0) throw new Error(`${owner}: invalid Size ${JSON.stringify(stanza.field('Size'))}`);
      if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`${owner}: invalid SHA256 ${JSON.stringify(sha256)}`);
      packages.push({
        name,
        version: stanza.required('Version', owner),
        filename: stanza.required('Filename', owner),
        size,
        sha256,
        depends: [
          ...parseDependencyField(stanza.field('Pre-Depends') ?? '', owner),
          ...parseDependencyField(stanza.field('Depends') ?? '', owner),
        ],
        provides: parseProvidesField(stanza.field('Provides') ?? '', owner),
      });
    }
    return new PackageIndex(label, packages);
  }

  /** The real package called `name`, if the index has one. */
  get(name: string): IndexedPackage | undefined {
    return this.#byName.get(name);
  }

  /** Real packages that declare `Provides: name`, in index order. */
  providers(name: string): readonly IndexedPackage[] {
    return this.#providers.get(name) ?? [];
  }

  /** How many real packages the index holds. */
  get size(): number {
    return this.#byName.size;
  }
}
