import type { z } from 'zod';
import { valueNameOf } from './value-names.ts';

/**
 * One flag of a command, as declared by the program. Build it with
 * valueFlag, optionalFlag, repeatedFlag or booleanFlag; `Out` is the type the
 * parsed value has, which is how `parseCommandLine` types its result.
 */
export interface Flag<Out = unknown> {
  readonly kind: 'value' | 'boolean';
  /** Parses one raw string (value flags only). */
  readonly schema: z.ZodType | undefined;
  /** Whether the flag may be given many times, collecting every value. */
  readonly repeated: boolean;
  /** Whether parsing fails when the flag is absent and has no default. */
  readonly required: boolean;
  /** The value used when the flag is absent: the raw string for value flags (run through the schema, shown in help), a boolean for boolean flags. */
  readonly default: string | boolean | undefined;
  /** One line for --help. */
  readonly description: string;
  /** The placeholder for the value in help and errors (`HOST:PORT`). */
  readonly valueName: string;
  /** Never set; carries `Out` for type inference. */
  readonly __output?: Out;
}

/** The flags of a command, keyed by camelCase name; `metricsListen` is `--metrics-listen` on the command line. */
export type Flags = Readonly<Record<string, Flag>>;

/** The parsed values of `F`: each key holds what its flag's builder promised. */
export type FlagValues<F extends Flags> = { -readonly [K in keyof F]: F[K] extends Flag<infer Out> ? Out : never };

interface ValueFlagOptions {
  readonly description: string;
  /** Overrides the schema's placeholder in help and errors. */
  readonly valueName?: string;
}

function value<Out>(schema: z.ZodType, options: ValueFlagOptions, rest: Pick<Flag, 'repeated' | 'required' | 'default'>): Flag<Out> {
  return {
    kind: 'value',
    schema,
    description: options.description,
    valueName: options.valueName ?? valueNameOf(schema),
    ...rest,
  };
}

/**
 * A flag taking one value, `--name VALUE` or `--name=VALUE`. Required unless
 * it has a `default`, which is written as on the command line (`'10s'`, not
 * 10000) so that help shows it as users would type it.
 */
export function valueFlag<T>(schema: z.ZodType<T>, options: ValueFlagOptions & { readonly default?: string }): Flag<T> {
  return value(schema, options, { repeated: false, required: options.default === undefined, default: options.default });
}

/** A flag taking one value that may be left out; absent means `undefined`. */
export function optionalFlag<T>(schema: z.ZodType<T>, options: ValueFlagOptions): Flag<T | undefined> {
  return value(schema, options, { repeated: false, required: false, default: undefined });
}

/** A flag that may be given any number of times; the values in command-line order, `[]` when absent. */
export function repeatedFlag<T>(schema: z.ZodType<T>, options: ValueFlagOptions): Flag<T[]> {
  return value(schema, options, { repeated: true, required: false, default: undefined });
}

/** A switch: `--name` or `--name=true` sets it, `--no-name` or `--name=false` clears it. */
export function booleanFlag(options: { readonly description: string; readonly default?: boolean }): Flag<boolean> {
  return {
    kind: 'boolean',
    schema: undefined,
    repeated: false,
    required: false,
    default: options.default ?? false,
    description: options.description,
    valueName: '',
  };
}

/** The command-line spelling of a flag key, without dashes: `metricsListen` becomes `metrics-listen`. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
