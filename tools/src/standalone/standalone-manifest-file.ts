import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { RuntimeArch } from '../runtimes/runtime-set.ts';

/**
 * The SEA asset key of the manifest. The reader is
 * cmd/linux_actiond/src/standalone-manifest.ts, which owns the format; keep
 * the two in step (the gated test in standalone-binary.test.ts builds a
 * binary and serves from it).
 */
export const STANDALONE_MANIFEST_KEY = 'standalone-manifest.json';

/** One embedded file: its SEA asset key is its file name. */
export interface ManifestAsset {
  readonly name: string;
  readonly sha256: string;
  readonly size: number;
  /** The file the build embeds. */
  readonly path: string;
}

/**
 * Describes the file at `path` for the manifest: name, size and SHA-256.
 * `name` (default: the file's own) is the asset key and the name the binary
 * extracts it under, so a file handed in by path (`--runtime-image x.img`)
 * is still embedded under its canonical name.
 */
export async function manifestAsset(path: string, name: string = basename(path)): Promise<ManifestAsset> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { name, sha256: hash.digest('hex'), size: (await stat(path)).size, path };
}

/** The manifest text (format 1) for a binary carrying `sandboxHelper` and, unless built without runtimes, `runtimeImage`. */
export function standaloneManifest(arch: RuntimeArch, sandboxHelper: ManifestAsset, runtimeImage: ManifestAsset | undefined): string {
  const entry = (a: ManifestAsset) => ({ name: a.name, sha256: a.sha256, size: a.size });
  return `${JSON.stringify({ format: 1, arch, sandboxHelper: entry(sandboxHelper), runtimeImage: runtimeImage === undefined ? null : entry(runtimeImage) }, null, 2)}\n`;
}
