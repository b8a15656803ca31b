import { createHash } from 'node:crypto';

/** A named text that goes into a cache key (a config fragment, a build script). */
export interface KeyedText {
  readonly name: string;
  readonly text: string;
}

/** Everything that decides what a kernel build produces. */
export interface KernelCacheInputs {
  /** Guest architecture name (x86_64, aarch64). */
  readonly arch: string;
  /** The config fragments, in merge order. */
  readonly fragments: readonly KeyedText[];
  /** SHA-256 (hex) of the kernel source tarball. */
  readonly sourceSha256: string;
  /** The build logic's own source files. */
  readonly scripts: readonly KeyedText[];
  /** `--version` first lines of the compiler, linker and host compiler. */
  readonly toolVersions: readonly string[];
}

/** Bumped when the cache layout changes in a way the inputs above do not show. */
const KEY_FORMAT = 'actiond-vm-kernel-v1';

/**
 * The hex SHA-256 cache key of a kernel build. Every field is written with
 * its length so no two different input sets can serialize the same; the
 * order of fragments matters (later ones override), the order of scripts
 * does not (they are sorted by name).
 */
export function kernelCacheKey(inputs: KernelCacheInputs): string {
  const hash = createHash('sha256');
  const field = (label: string, value: string): void => {
    const bytes = Buffer.from(value, 'utf8');
    hash.update(`${label}\0${bytes.length}\0`);
    hash.update(bytes);
  };
  field('format', KEY_FORMAT);
  field('arch', inputs.arch);
  field('source', inputs.sourceSha256);
  for (const f of inputs.fragments) {
    field('fragment-name', f.name);
    field('fragment', f.text);
  }
  const scripts = [...inputs.scripts].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const s of scripts) {
    field('script-name', s.name);
    field('script', s.text);
  }
  for (const v of inputs.toolVersions) field('tool', v);
  return hash.digest('hex');
}
