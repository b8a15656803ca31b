import { z } from 'zod';
import { withValueName } from './value-names.ts';

/**
 * A zod schema for a file-system path, returned exactly as written. Rejects
 * the empty string and NUL bytes (which no system call accepts, and which
 * would otherwise surface later as a confusing ERR_INVALID_ARG_VALUE). With
 * `absolute`, a relative path is rejected too: resolving it would read the
 * current directory, which is `main`'s business, not the parser's.
 */
export function pathSchema(options: { readonly absolute?: boolean } = {}): z.ZodType<string, string> {
  const schema = z.string().transform((text, ctx) => {
    const reject = (expected: string) => {
      ctx.addIssue({ code: 'custom', message: `expected ${expected}, got ${JSON.stringify(text)}` });
      return z.NEVER;
    };
    if (text === '') return reject(options.absolute ? 'an absolute path' : 'a path');
    if (text.includes('\0')) return reject('a path without NUL bytes');
    if (options.absolute && !text.startsWith('/')) return reject('an absolute path');
    return text;
  });
  return withValueName(schema, 'PATH');
}
