/**
 * Bazel's glob() over a list of package-relative file paths: `*` matches
 * within one path segment, `**` as a whole segment matches any number of
 * segments (zero included), `?` one character. Used to know exactly which
 * files a BUILD file's glob selects without running Bazel.
 */

/** The regular expression a glob pattern stands for; throws on patterns Bazel rejects. */
export function globToRegExp(pattern: string): RegExp {
  if (pattern === '' || pattern.startsWith('/') || pattern.endsWith('/') || pattern.split('/').some((s) => s === '..' || s === '.' || s === '')) {
    throw new Error(`glob pattern ${JSON.stringify(pattern)} is not a relative path pattern`);
  }
  const segments = pattern.split('/');
  let re = '^';
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '**') {
      re += last ? '.*' : '(?:[^/]+/)*';
      return;
    }
    if (segment.includes('**')) throw new Error(`glob pattern ${JSON.stringify(pattern)}: '**' must be a whole path segment`);
    re += segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
    if (!last) re += '/';
  });
  return new RegExp(`${re}$`);
}

/** The paths (sorted) matching any of `include` and none of `exclude`. */
export function evaluateGlob(paths: readonly string[], include: readonly string[], exclude: readonly string[] = []): string[] {
  const inc = include.map(globToRegExp);
  const exc = exclude.map(globToRegExp);
  return paths.filter((p) => inc.some((r) => r.test(p)) && !exc.some((r) => r.test(p))).sort();
}
