import { createWriteStream } from 'node:fs';
import { stat, truncate } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { LockedPackage } from './runtime-lock.ts';

/**
 * Where .deb files come from. `download` writes the package's bytes to
 * `partialPath`, continuing an earlier partial download when it can, and
 * reports each chunk's length to `onBytes`. It does not verify anything: the
 * cache checks size and SHA-256 against the lock afterwards.
 */
export interface DebSource {
  download(pkg: LockedPackage, partialPath: string, onBytes: (n: number) => void): Promise<void>;
}

/**
 * Fetches archive paths from a Debian mirror over HTTP(S) with Node's fetch.
 * A partial file left by an interrupted build is continued with a Range
 * request; a server that ignores ranges (200 instead of 206) gets the file
 * from the start again.
 */
export class HttpDebSource implements DebSource {
  readonly #mirror: string;

  /** `mirror` is the archive base URL, e.g. the URI of a `deb` line, without a trailing slash. */
  constructor(mirror: string) {
    this.#mirror = mirror.replace(/\/+$/, '');
  }

  async download(pkg: LockedPackage, partialPath: string, onBytes: (n: number) => void): Promise<void> {
    const url = `${this.#mirror}/${pkg.filename}`;
    let have = await sizeOf(partialPath);
    if (have >= pkg.size) {
      await truncate(partialPath, 0);
      have = 0;
    }
    const response = await fetch(url, have > 0 ? { headers: { range: `bytes=${have}-` } } : {}).catch((e: unknown) => {
      throw new Error(`${pkg.name} ${pkg.version}: cannot fetch ${url}: ${(e as Error).cause ?? (e as Error).message}`);
    });
    const resumed = response.status === 206;
    if (!response.ok || response.body === null) {
      throw new Error(`${pkg.name} ${pkg.version}: GET ${url} answered ${response.status} ${response.statusText}`);
    }
    if (resumed && !(response.headers.get('content-range') ?? '').startsWith(`bytes ${have}-`)) {
      await response.body.cancel();
      await truncate(partialPath, 0);
      throw new Error(`${pkg.name} ${pkg.version}: GET ${url} answered a range request for bytes ${have}- with ${response.headers.get('content-range')}`);
    }
    if (!resumed) have = 0;
    if (have > 0) onBytes(have);
    const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => onBytes(chunk.length));
    await pipeline(body, createWriteStream(partialPath, { flags: resumed ? 'a' : 'w' }));
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
}
