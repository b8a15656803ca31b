import { join } from 'node:path';
import { extractAsset } from './asset-extraction.ts';
import type { ServeAssets } from './serve-assets.ts';
import { STANDALONE_MANIFEST_KEY, parseStandaloneManifest, type StandaloneAsset } from './standalone-manifest.ts';

/** Where embedded assets come from: `node:sea` in the binary, a map in tests. */
export interface EmbeddedAssets {
  /** The asset's bytes, without a copy; throws when there is no such asset. */
  getRawAsset(key: string): ArrayBuffer;
}

/** The directory under --root that holds extracted assets, one subdirectory per SHA-256. */
export const EXTRACTION_DIRECTORY = '.standalone';

/** Permission bits of the extracted helper (run by the server) and runtime image (mounted read-only). */
const HELPER_MODE = 0o755;
const IMAGE_MODE = 0o444;

/**
 * The standalone binary's assets, extracted under `<root>/.standalone/`:
 * `<sha256>/actiond-sandbox` and `<sha256>/runtimes-<arch>.squashfs`. A file
 * already extracted by an earlier start (of this or any build with the same
 * content) is verified and reused.
 */
export async function embeddedServeAssets(root: string, embedded: EmbeddedAssets): Promise<ServeAssets> {
  const manifest = parseStandaloneManifest(new TextDecoder().decode(rawAsset(embedded, STANDALONE_MANIFEST_KEY)));
  const directory = join(root, EXTRACTION_DIRECTORY);
  const extract = (asset: StandaloneAsset, mode: number) =>
    extractAsset(directory, { ...asset, mode, bytes: () => new Uint8Array(rawAsset(embedded, asset.name)) });
  const sandboxHelper = await extract(manifest.sandboxHelper, HELPER_MODE);
  const defaultRuntimeImage = manifest.runtimeImage && (await extract(manifest.runtimeImage, IMAGE_MODE));
  return { sandboxHelper, defaultRuntimeImage };
}

function rawAsset(embedded: EmbeddedAssets, key: string): ArrayBuffer {
  try {
    return embedded.getRawAsset(key);
  } catch (cause) {
    throw new Error(`the standalone binary has no embedded asset ${key}; rebuild it with \`pnpm standalone:build\``, { cause });
  }
}
