/** One member of a Unix `ar` archive; `data` is a view into the archive buffer. */
export interface ArMember {
  readonly name: string;
  readonly data: Buffer;
}

const MAGIC = '!<arch>\n';
const HEADER = 60;

/**
 * Splits a common-format `ar` archive, the container of a .deb
 * (deb(5): `debian-binary`, `control.tar.*`, `data.tar.*`). Member names may
 * carry the GNU trailing slash, which is dropped. Throws naming `label` on a
 * bad magic, a bad header or a member that runs past the end: a truncated
 * download must never unpack as a shorter package.
 */
export function readArMembers(archive: Buffer, label: string): ArMember[] {
  if (archive.length < MAGIC.length || archive.toString('latin1', 0, MAGIC.length) !== MAGIC) {
    throw new Error(`${label}: not an ar archive (bad magic)`);
  }
  const members: ArMember[] = [];
  let offset = MAGIC.length;
  while (offset < archive.length) {
    if (offset + HEADER > archive.length) throw new Error(`${label}: truncated ar header at offset ${offset}`);
    const header = archive.toString('latin1', offset, offset + HEADER);
    if (header.slice(58, 60) !== '`\n') throw new Error(`${label}: bad ar header terminator at offset ${offset}`);
    const name = header.slice(0, 16).trimEnd().replace(/\/$/, '');
    const sizeText = header.slice(48, 58).trim();
    if (!/^[0-9]+$/.test(sizeText)) throw new Error(`${label}: bad size ${JSON.stringify(sizeText)} for ar member ${JSON.stringify(name)}`);
    const size = Number(sizeText);
    const start = offset + HEADER;
    if (start + size > archive.length) throw new Error(`${label}: ar member ${JSON.stringify(name)} runs past the end of the archive`);
    members.push({ name, data: archive.subarray(start, start + size) });
    offset = start + size + (size % 2);
  }
  return members;
}
