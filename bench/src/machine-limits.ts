import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { LargeBlob } from './large-blob.ts';
import { timed, type TimedRun } from './timed-run.ts';

// The ceilings a ByteStream Write cannot beat on this machine, measured with
// the same bytes and chunking the server sees: it hashes every byte on one
// core (SHA-256, node:crypto) and writes every byte to the CAS's filesystem.

/** SHA-256 of the blob's chunks on this thread with node:crypto, as the server hashes uploads. */
export function timeSha256(blob: LargeBlob): Promise<TimedRun<string>> {
  return timed(() => {
    const hash = createHash('sha256');
    for (const chunk of blob.chunks()) hash.update(chunk);
    return hash.digest('hex');
  });
}

/**
 * `sha256sum <file>` (coreutils, its own SHA-256 code, reading the file from
 * the page cache), for comparison with node:crypto. Rejects if it fails or
 * prints another hash than `expectedHash`.
 */
export function timeSha256sum(file: string, expectedHash: string): Promise<TimedRun<string>> {
  return timed(
    () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn('sha256sum', [file], { stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (d: Buffer) => (output += d.toString()));
        child.stderr.on('data', (d: Buffer) => (output += d.toString()));
        child.once('error', (err) => reject(new Error(`sha256sum could not be run: ${err.message}`)));
        child.once('exit', (code) => {
          const hash = output.split(/\s/)[0] ?? '';
          if (code !== 0) reject(new Error(`sha256sum ${file} failed (exit status ${code}): ${output.trim()}`));
          else if (hash !== expectedHash) reject(new Error(`sha256sum ${file} printed ${hash}, expected ${expectedHash}`));
          else resolve(hash);
        });
      }),
  );
}

/**
 * Writes the blob to `file` sequentially in its chunks with write(2), like
 * `dd bs=1M`. With `fsync`, the time includes fsync (the disk's sustained
 * write speed); without, it is what a writer that leaves flushing to the
 * kernel sees, which is how the CAS writes (it never fsyncs). The file is
 * left in place.
 */
export function timeFileWrite(file: string, blob: LargeBlob, options: { readonly fsync: boolean }): Promise<TimedRun<void>> {
  return timed(() => {
    const fd = openSync(file, 'w', 0o600);
    try {
      for (const chunk of blob.chunks()) {
        for (let written = 0; written < chunk.length; ) written += writeSync(fd, chunk, written);
      }
      if (options.fsync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  });
}

/**
 * Flushes all dirty pages (sync(1)) outside the timed parts, so that each
 * write measurement starts from the same state instead of paying for the
 * previous run's writeback.
 */
export function flushDirtyPages(): void {
  const result = spawnSync('sync', { stdio: 'ignore' });
  if (result.error !== undefined) throw new Error(`sync could not be run: ${result.error.message}`);
}
