import type { RuntimeArch, SandboxUser } from './runtime-set.ts';

/** The file at the top of every runtime image that describes it. */
export const MANIFEST_NAME = 'manifest.json';

/** One runtime of an image: its directory, where it came from and its glibc. */
export interface ManifestRuntime {
  /** Directory at the image top and the value of the `libc` execution property. */
  readonly name: string;
  readonly suite: string;
  /** glibc upstream version, e.g. `2.36`. */
  readonly glibc: string;
  /** The exact Debian version of libc6 inside, e.g. `2.36-9+deb12u10`. */
  readonly libc6: string;
  readonly packages: number;
}

/**
 * `/manifest.json` of a runtime image. The sandbox reads it once at serve
 * time to learn which `libc` values it can satisfy, to refuse an image built
 * for another architecture, and to run actions with the uid/gid the image's
 * /etc/passwd names.
 */
export interface ImageManifest {
  readonly format: 1;
  readonly arch: RuntimeArch;
  /** SHA-256 of runtimes/runtimes.lock.json as built. */
  readonly lockSha256: string;
  readonly sandboxUser: SandboxUser;
  readonly runtimes: readonly ManifestRuntime[];
}

/** Serializes a manifest deterministically (fixed key order, two-space indent, trailing newline). */
export function formatImageManifest(m: ImageManifest): string {
  const ordered = {
    format: m.format,
    arch: m.arch,
    lockSha256: m.lockSha256,
    sandboxUser: { uid: m.sandboxUser.uid, gid: m.sandboxUser.gid, user: m.sandboxUser.user, group: m.sandboxUser.group, home: m.sandboxUser.home },
    runtimes: m.runtimes.map((r) => ({ name: r.name, suite: r.suite, glibc: r.glibc, libc6: r.libc6, packages: r.packages })),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/**
 * Reads and checks a manifest, for the serve side. Throws naming `source`
 * and the field when the file is not a manifest this code understands, so a
 * wrong or newer image fails at startup rather than at the first action.
 */
export function parseImageManifest(text: string, source: string): ImageManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not valid JSON: ${(e as Error).message}`);
  }
  const m = raw as Partial<ImageManifest> | null;
  const fail = (field: string): never => {
    throw new Error(`${source}: missing or invalid ${field}`);
  };
  if (m === null || typeof m !== 'object') return fail('manifest object');
  if (m.format !== 1) return fail('format (expected 1)');
  if (m.arch !== 'x86_64' && m.arch !== 'aarch64') return fail('arch');
  if (typeof m.lockSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.lockSha256)) return fail('lockSha256');
  const u = m.sandboxUser;
  if (u === undefined || !Number.isInteger(u.uid) || !Number.isInteger(u.gid) || typeof u.user !== 'string' || typeof u.group !== 'string' || typeof u.home !== 'string') {
    return fail('sandboxUser');
  }
  if (!Array.isArray(m.runtimes) || m.runtimes.length === 0) return fail('runtimes');
  m.runtimes.forEach((r, i) => {
    if (typeof r?.name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(r.name)) fail(`runtimes[${i}].name`);
    for (const key of ['suite', 'glibc', 'libc6'] as const) if (typeof r[key] !== 'string') fail(`runtimes[${i}].${key}`);
    if (!Number.isInteger(r.packages)) fail(`runtimes[${i}].packages`);
  });
  return m as ImageManifest;
}
