import { decompressMember } from './member-decompress.ts';
import { createHash } from 'node:crypto';
import { PackageIndex } from './package-index.ts';
import { parseReleaseSha256, verifyInRelease } from './signed-release.ts';
import type { ReleaseFile } from './signed-release.ts';

/** Supplies the package index of a suite's main component for one Debian architecture. */
export interface IndexSource {
  packageIndex(suite: string, debianArch: string): Promise<PackageIndex>;
}

/**
 * Fetches `dists/<suite>/InRelease` from a mirror, checks its signature
 * with gpgv, then fetches `main/binary-<arch>/Packages.xz` and accepts it
 * only if its size and SHA-256 are the ones the signed Release lists. This
 * chain is what lets the lock's per-package SHA-256 values be trusted even
 * when the mirror is plain http.
 */
export class ArchiveIndexFetcher implements IndexSource {
  readonly #mirror: string;
  readonly #keyring: string;
  readonly #releases = new Map<string, Promise<Map<string, ReleaseFile>>>();

  /** `mirror` is the archive base URL; `keyring` the OpenPGP keyring gpgv checks InRelease against. */
  constructor(mirror: string, keyring: string) {
    this.#mirror = mirror.replace(/\/+$/, '');
    this.#keyring = keyring;
  }

  async packageIndex(suite: string, debianArch: string): Promise<PackageIndex> {
    const release = await this.#release(suite);
    const member = `main/binary-${debianArch}/Packages.xz`;
    const label = `${suite}/${member}`;
    const expected = release.get(member);
    if (expected === undefined) throw new Error(`${suite}: the signed Release does not list ${member}`);
    const data = await this.#get(`dists/${suite}/${member}`);
    const actual = createHash('sha256').update(data).digest('hex');
    if (data.length !== expected.size || actual !== expected.sha256) {
      throw new Error(`${label}: does not match the signed Release: expected ${expected.size} bytes with SHA-256 ${expected.sha256}, got ${data.length} bytes with ${actual}`);
    }
    const text = (await decompressMember('Packages.xz', data, label)).toString('utf8');
    return PackageIndex.parse(`${suite}/main/binary-${debianArch}`, text);
  }

  #release(suite: string): Promise<Map<string, ReleaseFile>> {
    let release = this.#releases.get(suite);
    if (release === undefined) {
      release = (async () => {
        const signed = await verifyInRelease(await this.#get(`dists/${suite}/InRelease`), this.#keyring, `${suite}/InRelease`);
        return parseReleaseSha256(signed, `${suite}/InRelease`);
      })();
      this.#releases.set(suite, release);
    }
    return release;
  }

  async #get(path: string): Promise<Buffer> {
    const url = `${this.#mirror}/${path}`;
    const response = await fetch(url).catch((e: unknown) => {
      throw new Error(`cannot fetch ${url}: ${(e as Error).cause ?? (e as Error).message}`);
    });
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status} ${response.statusText}`);
    return Buffer.from(await response.arrayBuffer());
  }
}
