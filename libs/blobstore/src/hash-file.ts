import type { FileHandle } from 'node:fs/promises';
import { Digest, type DigestFunction } from '@actiond/digest';

const CHUNK_BYTES = 1 << 20;

/**
 * The digest of a file's content, read from the start in 1 MiB chunks (memory stays
 * bounded whatever the file size). The size is the number of bytes read, not a stat.
 */
export async function hashFile(handle: FileHandle, digestFunction: DigestFunction): Promise<Digest> {
  const hasher = digestFunction.createHasher();
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  let position = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) break;
    hasher.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return Digest.parse(hasher.digestHex(), position, digestFunction);
}
