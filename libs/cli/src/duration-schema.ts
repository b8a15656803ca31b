import { z } from 'zod';
import { withValueName } from './value-names.ts';

const PART = /([0-9]+)(?:\.([0-9]+))?(ms|s|m|h)/gy;
const UNIT_MS: Record<string, bigint> = { ms: 1n, s: 1000n, m: 60_000n, h: 3_600_000n };

/**
 * A zod schema for a duration, parsed to milliseconds: one or more
 * number-unit parts with units ms, s, m, h (`500ms`, `10s`, `2m`, `1h30m`,
 * `1.5s`). A bare number is rejected because its unit would be a guess.
 * Anything finer than a millisecond is rejected rather than rounded.
 */
export function durationSchema(): z.ZodType<number, string> {
  const schema = z.string().transform((text, ctx) => {
    const reject = (detail = '') => {
      ctx.addIssue({ code: 'custom', message: `expected a duration such as 500ms, 10s, 2m or 1h30m${detail}, got ${JSON.stringify(text)}` });
      return z.NEVER;
    };
    let total = 0n;
    let end = 0;
    PART.lastIndex = 0;
    for (let part = PART.exec(text); part !== null; part = PART.exec(text)) {
      const [, whole, fraction = '', unit] = part;
      const scale = 10n ** BigInt(fraction.length);
      const scaled = BigInt(whole! + fraction) * UNIT_MS[unit!]!;
      if (scaled % scale !== 0n) return reject(' (whole milliseconds)');
      total += scaled / scale;
      end = PART.lastIndex;
    }
    if (text === '' || end !== text.length) return reject();
    if (total > BigInt(Number.MAX_SAFE_INTEGER)) return reject(' (too long)');
    return Number(total);
  });
  return withValueName(schema, 'DURATION');
}
