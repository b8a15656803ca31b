import { readArMembers } from './ar-archive.ts';
import { decompressMember } from './member-decompress.ts';
import { readTarEntries } from './tar-archive.ts';
import type { TarEntry } from './tar-archive.ts';

/**
 * Reads the filesystem entries of a binary package (deb(5)): checks the
 * `debian-binary` format version, finds `data.tar` with whatever compression
 * it has, and returns its entries. Maintainer scripts in `control.tar` are
 * never run, so they are not read.
 */
export async function readDebData(deb: Buffer, label: string): Promise<TarEntry[]> {
  const members = readArMembers(deb, label);
  const version = members[0];
  if (version?.name !== 'debian-binary') throw new Error(`${label}: first ar member is not debian-binary`);
  if (!/^2\.\d+\n/.test(version.data.toString('latin1'))) {
    throw new Error(`${label}: unsupported .deb format version ${JSON.stringify(version.data.toString('latin1').trim())}`);
  }
  const data = members.find((m) => /^data\.tar(\.[a-z0-9]+)?$/.test(m.name));
  if (data === undefined) throw new Error(`${label}: no data.tar member`);
  const tar = await decompressMember(data.name, data.data, label);
  return [...readTarEntries(tar, `${label} ${data.name}`)];
}
