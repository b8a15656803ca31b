import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseControlStanzas } from './control-stanzas.ts';

/** The environment variable that names the Debian mirror when `--mirror` is not given. */
export const MIRROR_ENV = 'ACTIOND_DEBIAN_MIRROR';

// Suites of the Debian archive proper. Anything else (Ubuntu, vendor
// repositories, debian-security) cannot serve bullseye, bookworm and trixie.
const DEBIAN_SUITES = new Set([
  'buster', 'bullseye', 'bookworm', 'trixie', 'forky', 'duke', 'sid',
  'oldoldstable', 'oldstable', 'stable', 'testing', 'unstable',
]);

/**
 * Picks the Debian archive base URL: `--mirror` first, then
 * ACTIOND_DEBIAN_MIRROR, then the machine's own apt configuration. The
 * repository never names a mirror host: the lock holds archive-relative paths
 * and the integrity of every file is checked against it, so any mirror will do.
 * Returns the URL without a trailing slash.
 */
export function resolveDebianMirror(explicit: string | undefined, env: Readonly<Record<string, string | undefined>>, aptDir = '/etc/apt'): string {
  if (explicit !== undefined && explicit !== '') return validateMirror(explicit, '--mirror');
  const fromEnv = env[MIRROR_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return validateMirror(fromEnv, MIRROR_ENV);
  const found = findAptDebianMirror(aptDir);
  if (found === undefined) {
    throw new Error(`no Debian archive (a "deb" source for ${[...DEBIAN_SUITES].slice(0, 4).join('/')}... main) found in ${aptDir}; pass --mirror URL or set ${MIRROR_ENV}`);
  }
  return validateMirror(found, `${aptDir} sources`);
}

/**
 * Reads apt's sources (sources.list, sources.list.d/*.list one-line entries
 * and sources.list.d/*.sources deb822 entries, in apt's order) and returns the
 * first `deb` URI that serves component main of a Debian suite other than
 * `*-security`, or undefined when there is none.
 */
export function findAptDebianMirror(aptDir: string): string | undefined {
  for (const entry of readAptSources(aptDir)) {
    if (!entry.types.includes('deb') || !entry.components.includes('main')) continue;
    const debianSuite = entry.suites.some((s) => !s.endsWith('-security') && DEBIAN_SUITES.has(s.split('-')[0] as string));
    if (!debianSuite) continue;
    const uri = entry.uris.find((u) => /^https?:\/\//.test(u));
    if (uri !== undefined) return uri;
  }
  return undefined;
}

interface AptSource {
  readonly types: readonly string[];
  readonly uris: readonly string[];
  readonly suites: readonly string[];
  readonly components: readonly string[];
}

function readAptSources(aptDir: string): AptSource[] {
  const sources: AptSource[] = [];
  const main = join(aptDir, 'sources.list');
  const text = readIfExists(main);
  if (text !== undefined) sources.push(...parseOneLineSources(text));
  const dir = join(aptDir, 'sources.list.d');
  let names: string[] = [];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  for (const name of names) {
    const path = join(dir, name);
    if (name.endsWith('.list')) sources.push(...parseOneLineSources(readFileSync(path, 'utf8')));
    else if (name.endsWith('.sources')) sources.push(...parseDeb822Sources(readFileSync(path, 'utf8'), path));
  }
  return sources;
}

/** Parses one-line-style entries: `deb [options] URI suite component...`. */
export function parseOneLineSources(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const withoutOptions = line.replace(/\[[^\]]*\]/, ' ');
    const [type, uri, suite, ...components] = withoutOptions.split(/\s+/);
    if (type === undefined || uri === undefined || suite === undefined) continue;
    out.push({ types: [type], uris: [uri], suites: [suite], components });
  }
  return out;
}

/** Parses deb822-style entries, skipping those with `Enabled: no`. */
export function parseDeb822Sources(text: string, path: string): AptSource[] {
  const words = (v: string | undefined): string[] => (v ?? '').split(/\s+/).filter((w) => w !== '');
  return parseControlStanzas(text, path)
    .filter((s) => (s.field('Enabled') ?? 'yes').toLowerCase() !== 'no')
    .map((s) => ({
      types: words(s.field('Types')),
      uris: words(s.field('URIs')),
      suites: words(s.field('Suites')),
      components: words(s.field('Components')),
    }));
}

function validateMirror(value: string, source: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${source}: expected an http:// or https:// mirror URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`${source}: expected an http:// or https:// mirror URL, got ${JSON.stringify(value)}`);
  }
  return value.replace(/\/+$/, '');
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
