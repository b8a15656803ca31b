import { z } from 'zod';
import { withValueName } from './value-names.ts';

const SIZE = /^([0-9]+)(?:\.([0-9]+))?(?:([kmgt])(i)?)?(b)?$/i;
const POWERS: Record<string, number> = { k: 1, m: 2, g: 3, t: 4 };

/**
 * A zod schema for a size in bytes: a plain number (`4096`), or a number
 * with a decimal suffix K, M, G, T (powers of 1000) or a binary one Ki, Mi,
 * Gi, Ti (powers of 1024), optionally followed by B and in any case (`64K`,
 * `10MiB`, `1.5G`). Fractions are allowed only where they come out as whole
 * bytes; the arithmetic is exact, so `1.1G` is 1100000000, not 1099999999.
 */
export function byteSizeSchema(): z.ZodType<number, string> {
  const schema = z.string().transform((text, ctx) => {
    const reject = (detail = '') => {
      ctx.addIssue({ code: 'custom', message: `expected a byte size such as 4096, 64K, 10Mi or 2G${detail}, got ${JSON.stringify(text)}` });
      return z.NEVER;
    };
    const match = SIZE.exec(text);
    if (match === null) return reject();
    const [, whole, fraction = '', prefix, binary] = match;
    const multiplier = prefix === undefined ? 1n : BigInt(binary ? 1024 : 1000) ** BigInt(POWERS[prefix.toLowerCase()]!);
    const scale = 10n ** BigInt(fraction.length);
    const scaled = BigInt(whole! + fraction) * multiplier;
    if (scaled % scale !== 0n) return reject(' (a whole number of bytes)');
    const bytes = scaled / scale;
    if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) return reject(' (at most 2^53 - 1 bytes)');
    return Number(bytes);
  });
  return withValueName(schema, 'SIZE');
}
