import { constants, zstdCompressSync } from 'node:zlib';

/**
 * Compresses data into one zstd frame with a content checksum, at level 19
 * (what the kernel's own build uses for initramfs). Node's bundled libzstd
 * makes the output depend only on the pinned Node version, not on whichever
 * zstd the host has.
 */
export function zstdCompress(data: Uint8Array): Buffer {
  return zstdCompressSync(data, {
    // A known size lets zstd record it in the frame and size its window to the input.
    pledgedSrcSize: data.length,
    params: {
      [constants.ZSTD_c_compressionLevel]: 19,
      [constants.ZSTD_c_checksumFlag]: 1,
    },
  });
}
