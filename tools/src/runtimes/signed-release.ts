import { spawn } from 'node:child_process';
import { parseControlStanzas } from './control-stanzas.ts';

/** The keyring Debian's own apt trusts; the debian-archive-keyring package installs it. */
export const DEFAULT_ARCHIVE_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/** A file listed in a Release file's SHA256 section. */
export interface ReleaseFile {
  readonly size: number;
  readonly sha256: string;
}

/**
 * Checks the OpenPGP signature of an InRelease file with `gpgv` against
 * `keyring` and returns the signed text only (never text outside the
 * signature). The signature is what makes the Packages indexes, and through
 * them the lock's SHA-256 values, trustworthy even over plain http.
 *
 * gpgv rather than a JavaScript OpenPGP library: it is what apt itself runs,
 * it ships with every Debian system, and its status protocol tells good
 * signatures from merely present ones.
 */
export async function verifyInRelease(inRelease: Buffer, keyring: string, label: string): Promise<string> {
  const child = spawn('gpgv', ['--quiet', '--status-fd', '3', '--keyring', keyring, '--output', '-', '-'], {
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
  });
  const collect = (stream: NodeJS.ReadableStream | null): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      stream?.on('data', (c: Buffer) => chunks.push(c));
      stream?.on('end', () => resolve(Buffer.concat(chunks)));
      stream?.on('error', reject);
    });
  const [out, err, status, code] = await Promise.all([
    collect(child.stdout),
    collect(child.stderr),
    collect(child.stdio[3] as NodeJS.ReadableStream),
    new Promise<number | null>((resolve, reject) => {
      child.on('error', (e) => reject(new Error(`${label}: cannot run gpgv to check the archive signature: ${e.message}`)));
      child.on('close', resolve);
    }),
    new Promise<void>((resolve) => child.stdin.end(inRelease, resolve)),
  ]);
  const valid = status.toString().split('\n').some((l) => l.startsWith('[GNUPG:] VALIDSIG '));
  if (code !== 0 || !valid) {
    throw new Error(`${label}: InRelease signature not valid against ${keyring} (gpgv exit ${code}): ${err.toString().trim() || status.toString().trim()}`);
  }
  return out.toString();
}

/** Reads the SHA256 section of a Release file into path → size and hash. */
export function parseReleaseSha256(release: string, label: string): Map<string, ReleaseFile> {
  const [stanza] = parseControlStanzas(release, label);
  const section = stanza?.field('SHA256');
  if (section === undefined) throw new Error(`${label}: Release has no SHA256 field`);
  const files = new Map<string, ReleaseFile>();
  for (const line of section.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 3) continue;
    const [sha256, size, path] = parts as [string, string, string];
    if (!/^[0-9a-f]{64}$/.test(sha256) || !/^[0-9]+$/.test(size)) throw new Error(`${label}: malformed SHA256 line ${JSON.stringify(line)}`);
    files.set(path, { size: Number(size), sha256 });
  }
  return files;
}
