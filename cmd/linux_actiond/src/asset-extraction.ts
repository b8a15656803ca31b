import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** A file to materialize from bytes held in memory (an asset of the standalone binary). */
export interface AssetToExtract {
  /** File name inside the asset's directory. */
  readonly name: string;
  /** Lowercase hex SHA-256 the bytes must have; also the directory's name. */
  readonly sha256: string;
  readonly size: number;
  /** Permission bits of the extracted file (0o755 for an executable, 0o444 for data). */
  readonly mode: number;
  /** The bytes; only called when the file has to be written. */
  readonly bytes: () => Uint8Array;
}

/**
 * Makes `<directory>/<sha256>/<name>` hold exactly the asset's bytes, with
 * its mode, and returns that path.
 *
 * A file already there is reused only if it is a regular file with the
 * expected mode, size and SHA-256 (hashing costs tens of milliseconds for a
 * runtime image, once per start; a file changed or torn since is not trusted).
 * Otherwise the bytes are checked against `sha256` and written to a temporary
 * file in the same directory, which is renamed over the path: a concurrent
 * start, or a crash half-way, never leaves a partial file at the path, and a
 * process already using the old file keeps its inode.
 */
export async function extractAsset(directory: string, asset: AssetToExtract): Promise<string> {
  const assetDirectory = join(directory, asset.sha256);
  const path = join(assetDirectory, asset.name);
  try {
    if (await holdsAsset(path, asset)) return path;
  } catch (error) {
    throw new Error(`cannot read the extracted ${asset.name} at ${path}: ${messageOf(error)}`, { cause: error });
  }

  const bytes = asset.bytes();
  const actual = sha256Of(bytes);
  if (bytes.byteLength !== asset.size || actual !== asset.sha256) {
    throw new Error(
      `the embedded ${asset.name} is damaged: ${bytes.byteLength} bytes with SHA-256 ${actual}, ` +
        `expected ${asset.size} bytes with SHA-256 ${asset.sha256}; rebuild the standalone binary`,
    );
  }
  const temporary = join(assetDirectory, `.${asset.name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(assetDirectory, { recursive: true, mode: 0o755 });
    const file = await open(temporary, 'wx', 0o600);
    try {
      await file.writeFile(bytes);
      // Explicitly, so the umask cannot take the x bit from the helper.
      await file.chmod(asset.mode);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  } catch (error) {
    // Best effort: the error that matters is the one above (rm fails too when
    // the directory could not be made).
    await rm(temporary, { force: true }).catch(() => undefined);
    throw new Error(`cannot extract ${asset.name} to ${path}: ${messageOf(error)}`, { cause: error });
  }
  return path;
}

/** Whether `path` is a regular file with the asset's mode, size and SHA-256. */
async function holdsAsset(path: string, asset: AssetToExtract): Promise<boolean> {
  let stats;
  try {
    stats = await lstat(path);
  } catch (error) {
    // ENOTDIR: a file where the asset's directory belongs; writing will say so.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw error;
  }
  if (!stats.isFile() || (stats.mode & 0o7777) !== asset.mode || stats.size !== asset.size) return false;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex') === asset.sha256;
}

function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
