import { invalidArgument } from '@actiond/status';

/**
 * Splits a relative path from a Command (`working_directory`, an output
 * path) into its segments, after checking that it stays below where it is
 * relative to: no leading or trailing `/`, no empty, `.` or `..` segment, no
 * NUL. The empty path is the directory itself (`[]`) when `allowEmpty`.
 * Throws INVALID_ARGUMENT naming `what` (`output path "a/../b"`) and the
 * problem.
 */
export function parseRelativePath(path: string, what: string, allowEmpty: boolean): string[] {
  const fail = (problem: string): never => {
    throw invalidArgument(`${what} ${JSON.stringify(path)} ${problem}`);
  };
  if (path === '') return allowEmpty ? [] : fail('is empty');
  if (path.includes('\0')) fail('contains a NUL byte');
  if (path.startsWith('/')) fail('is absolute; it must be relative');
  const segments = path.split('/');
  for (const segment of segments) {
    if (segment === '') fail('has an empty segment (a doubled or trailing "/")');
    if (segment === '.' || segment === '..') fail(`has a "${segment}" segment`);
  }
  return segments;
}
