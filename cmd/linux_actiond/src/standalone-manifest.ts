import { z } from 'zod';

/**
 * The SEA asset key of the manifest inside the standalone binary. The build
 * (tools/src/standalone/standalone-manifest-file.ts) writes it; keep the two
 * in step: the gated standalone test builds a binary and serves from it.
 */
export const STANDALONE_MANIFEST_KEY = 'standalone-manifest.json';

/** One file the standalone binary carries, stored as the SEA asset named `name`. */
export interface StandaloneAsset {
  /** The SEA asset key, and the file name it is extracted to. */
  readonly name: string;
  /** Lowercase hex SHA-256 of the bytes, computed by the build. */
  readonly sha256: string;
  readonly size: number;
}

/** What the build put into a standalone binary besides the JavaScript bundle. */
export interface StandaloneManifest {
  /** The CPU the binary, the helper and the runtime image are for: `x86_64` or `aarch64`. */
  readonly arch: 'x86_64' | 'aarch64';
  /** The static actiond-sandbox executable. */
  readonly sandboxHelper: StandaloneAsset;
  /** The runtime SquashFS image for `arch`; absent from a build made with --no-runtimes. */
  readonly runtimeImage: StandaloneAsset | undefined;
}

// A name becomes a file name under the extraction directory: one path component.
const assetSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a plain file name'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits'),
  size: z.number().int().nonnegative(),
});

const manifestSchema = z.object({
  format: z.literal(1),
  arch: z.enum(['x86_64', 'aarch64']),
  sandboxHelper: assetSchema,
  runtimeImage: assetSchema.nullable(),
});

/**
 * Parses the manifest text the build wrote. A binary whose manifest does not
 * parse was not made by this version of the build (or is damaged): the error
 * says which field is wrong.
 */
export function parseStandaloneManifest(text: string): StandaloneManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new Error(`the standalone binary's ${STANDALONE_MANIFEST_KEY} is not JSON`, { cause });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    throw new Error(`the standalone binary's ${STANDALONE_MANIFEST_KEY} is invalid at ${field}: ${issue.message}`);
  }
  const { arch, sandboxHelper, runtimeImage } = parsed.data;
  return { arch, sandboxHelper, runtimeImage: runtimeImage ?? undefined };
}
