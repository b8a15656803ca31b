import { invalidArgument } from '@actiond/status';

/**
 * Checks one name of a Directory message's files, directories or symlinks:
 * a single path segment that is not empty, `.` or `..`, and holds no `/` or
 * NUL. Anything else would let an input escape its directory (`..`, `a/b`)
 * or break the system calls that create it (NUL). Throws INVALID_ARGUMENT
 * naming the full path of the entry (`parentPath` is relative to the input
 * root, '' for the root) and what is wrong.
 */
export function checkDirectoryEntryName(name: string, parentPath: string): void {
  let problem: string | undefined;
  if (name === '') problem = 'is empty';
  else if (name === '.' || name === '..') problem = `is "${name}"`;
  else if (name.includes('/')) problem = 'contains "/"';
  else if (name.includes('\0')) problem = 'contains a NUL byte';
  if (problem !== undefined) {
    const where = parentPath === '' ? 'the input root' : `input directory ${JSON.stringify(parentPath)}`;
    throw invalidArgument(`invalid name ${JSON.stringify(name)} in ${where}: a name ${problem}`);
  }
}

/** `parent/name`, or `name` at the root: input and output paths are relative. */
export function joinRelative(parent: string, name: string): string {
  return parent === '' ? name : `${parent}/${name}`;
}
