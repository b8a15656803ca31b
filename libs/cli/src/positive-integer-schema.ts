import { z } from 'zod';
import { withValueName } from './value-names.ts';

/**
 * A zod schema for a decimal integer of at least 1 (`4`, `1024`), e.g. a
 * worker count. Only digits: no sign, exponent or fraction, and nothing
 * beyond 2^53 - 1, where numbers stop being exact.
 */
export function positiveIntegerSchema(): z.ZodType<number, string> {
  const schema = z.string().transform((text, ctx) => {
    const value = /^[0-9]+$/.test(text) ? Number(text) : NaN;
    if (!(value >= 1 && value <= Number.MAX_SAFE_INTEGER)) {
      ctx.addIssue({ code: 'custom', message: `expected a positive integer, got ${JSON.stringify(text)}` });
      return z.NEVER;
    }
    return value;
  });
  return withValueName(schema, 'N');
}
