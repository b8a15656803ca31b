/**
 * A userland an action can run in: a complete root filesystem (a directory
 * of the runtime image, mounted read-only), chosen by the `libc` platform
 * property. Immutable while the server runs.
 */
export interface Runtime {
  /** The `libc` value that selects it, such as `glibc2.36`. */
  readonly name: string;
  /** Absolute host path of its root directory. */
  readonly rootDirectory: string;
  /** Its top-level entries, which the sandbox binds (directories and files) or recreates (symlinks) at `/`. */
  readonly entries: readonly RuntimeEntry[];
  /** Whether `/bin/bash` exists in it (the `requires-bash` property). */
  readonly hasBash: boolean;
}

/** One top-level entry of a runtime's root. */
export type RuntimeEntry =
  /** Bound read-only from the host path `source` (normally `<rootDirectory>/<name>`). */
  | { readonly name: string; readonly kind: 'directory' | 'file'; readonly source: string }
  /** Recreated as a symlink with this target (`bin -> usr/bin`). */
  | { readonly name: string; readonly kind: 'symlink'; readonly target: string };

/**
 * The runtimes a server offers. `resolve` returns undefined for a name it
 * does not have (the caller fails the action, listing `names()`; there is no
 * fallback to the host's own userland).
 */
export interface RuntimeProvider {
  resolve(name: string): Runtime | undefined;
  /** Every name `resolve` accepts, sorted. */
  names(): readonly string[];
}
