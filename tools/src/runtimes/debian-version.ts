/**
 * Debian version ordering, as dpkg defines it (deb-version(7)): an optional
 * numeric epoch, the upstream version, and an optional Debian revision after
 * the last hyphen. The lock resolver needs it to check versioned
 * dependencies such as `libc6 (>= 2.34)` against the versions a suite holds.
 */

/** A version split into the parts dpkg compares one after another. */
export interface DebianVersion {
  readonly epoch: number;
  readonly upstream: string;
  readonly revision: string;
}

/** The relations a Debian dependency may state between versions. */
export type VersionRelation = '<<' | '<=' | '=' | '>=' | '>>';

/** Splits a version string; throws naming the string when it is not a Debian version. */
export function parseDebianVersion(text: string): DebianVersion {
  const colon = text.indexOf(':');
  let epoch = 0;
  let rest = text;
  if (colon >= 0) {
    const epochText = text.slice(0, colon);
    if (!/^[0-9]+$/.test(epochText)) throw new Error(`invalid Debian version ${JSON.stringify(text)}: epoch must be a number`);
    epoch = Number(epochText);
    rest = text.slice(colon + 1);
  }
  const hyphen = rest.lastIndexOf('-');
  const upstream = hyphen >= 0 ? rest.slice(0, hyphen) : rest;
  const revision = hyphen >= 0 ? rest.slice(hyphen + 1) : '';
  if (!/^[0-9][A-Za-z0-9.+~:-]*$/.test(upstream) || !/^[A-Za-z0-9.+~]*$/.test(revision)) {
    throw new Error(`invalid Debian version ${JSON.stringify(text)}`);
  }
  return { epoch, upstream, revision };
}

/** Orders two version strings as dpkg does: negative, zero or positive. */
export function compareDebianVersions(a: string, b: string): number {
  const va = parseDebianVersion(a);
  const vb = parseDebianVersion(b);
  if (va.epoch !== vb.epoch) return va.epoch < vb.epoch ? -1 : 1;
  return compareFragments(va.upstream, vb.upstream) || compareFragments(va.revision, vb.revision);
}

/** Whether `version` stands in `relation` to `reference` (`version >= reference` and so on). */
export function satisfiesRelation(version: string, relation: VersionRelation, reference: string): boolean {
  const order = compareDebianVersions(version, reference);
  switch (relation) {
    case '<<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '=':
      return order === 0;
    case '>=':
      return order >= 0;
    case '>>':
      return order > 0;
  }
}

// dpkg's verrevcmp: alternate runs of non-digits (compared by a weight where
// '~' sorts before everything, even the end of the string, and letters before
// other symbols) and runs of digits (compared as numbers).
function compareFragments(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const wa = weight(a[i]);
      const wb = weight(b[j]);
      if (wa !== wb) return wa - wb;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function weight(c: string | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  if (c === '~') return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}
