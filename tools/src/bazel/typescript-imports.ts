/**
 * What a TypeScript source file depends on, read from its text: the module
 * specifiers of its static and dynamic imports and re-exports, and the files
 * it locates next to itself at run time (`new URL('x', import.meta.url)`,
 * `join(import.meta.dirname, 'x')`). Comments and the text of template
 * literals are blanked first: commented-out code declares nothing, and a
 * template literal is data (a child process's script, a fixture), not this
 * module's imports.
 */

/** The dependencies one file declares. */
export interface FileImports {
  /** Specifiers of `import`/`export ... from`, `import 'x'` and `import('x')`, in order. */
  readonly specifiers: readonly string[];
  /** Relative paths of files the module reads relative to its own location. */
  readonly siblingFiles: readonly string[];
}

const STATIC = /(?:^|[;\s}])(?:import|export)\s+(?:type\s+)?(?:[\w*$\s{},]*?\s+from\s+)?(['"])([^'"\n]+)\1/g;
const DYNAMIC = /\bimport\(\s*(['"])([^'"\n]+)\1\s*\)/g;
const URL_REF = /new\s+URL\(\s*(['"])([^'"\n]+)\1\s*,\s*import\.meta\.url\s*\)/g;
const DIRNAME_REF = /\bjoin\(\s*import\.meta\.dirname\s*,((?:\s*(['"])[^'"\n]+\2\s*,?)+)\)/g;

/** Reads the imports and sibling-file references of TypeScript source `text`. */
export function scanImports(text: string): FileImports {
  const code = stripComments(text);
  const specifiers: string[] = [];
  for (const m of code.matchAll(STATIC)) specifiers.push(m[2] as string);
  for (const m of code.matchAll(DYNAMIC)) specifiers.push(m[2] as string);
  const siblingFiles: string[] = [];
  for (const m of code.matchAll(URL_REF)) siblingFiles.push(m[2] as string);
  for (const m of code.matchAll(DIRNAME_REF)) {
    const parts = [...(m[1] as string).matchAll(/(['"])([^'"\n]+)\1/g)].map((p) => p[2] as string);
    siblingFiles.push(parts.join('/'));
  }
  return { specifiers, siblingFiles };
}

/**
 * The npm package a bare specifier names (`@scope/name/sub` -> `@scope/name`,
 * `name/sub` -> `name`), or undefined for relative paths and Node built-ins.
 */
export function packageOfSpecifier(specifier: string, builtins: ReadonlySet<string>): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
  return builtins.has(name) ? undefined : name;
}

/** Replaces comments and template literals' text with spaces, keeping quoted strings intact. */
function stripComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      // A template literal's text is data (a script for a child process, a
      // fixture), never a specifier of this module: blank it.
      out += c === '`' ? `\`${text.slice(i + 1, j).replace(/[^\n]/g, ' ')}\`` : text.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
