/**
 * Why `path` cannot name an output in an ActionResult, or undefined when it
 * can. REAPI output paths are relative to the working directory, use `/` as
 * separator and have neither a leading nor a trailing slash. We also refuse
 * empty, `.` and `..` segments and NUL bytes: such a path could name a file
 * outside the working directory, or two spellings the same file, once a
 * client materializes it. The empty path is accepted only where REAPI gives
 * it a meaning (`allowEmpty`: an output directory that is the working
 * directory itself).
 */
export function outputPathProblem(path: unknown, allowEmpty: boolean): string | undefined {
  if (typeof path !== 'string') return `must be a string, got ${typeof path}`;
  if (path === '') return allowEmpty ? undefined : 'must not be empty';
  if (path.includes('\0')) return `${quote(path)} contains a NUL byte`;
  if (path.startsWith('/')) return `${quote(path)} must be relative (no leading slash)`;
  if (path.endsWith('/')) return `${quote(path)} must not end with a slash`;
  for (const segment of path.split('/')) {
    if (segment === '') return `${quote(path)} has an empty segment`;
    if (segment === '.' || segment === '..') return `${quote(path)} has a "${segment}" segment`;
  }
  return undefined;
}

/** Quotes a path for a message, cut short so a huge value cannot flood logs. */
function quote(path: string): string {
  const max = 200;
  return path.length <= max ? JSON.stringify(path) : `${JSON.stringify(path.slice(0, max))}... (${path.length} characters)`;
}
