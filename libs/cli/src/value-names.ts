import { z } from 'zod';

/**
 * Placeholders shown in help and errors for a schema's value (`--listen HOST:PORT`).
 * A private zod registry rather than `.meta()`: the global registry is shared
 * by every zod user in the process, and ours only needs to be read here. zod
 * registries follow a schema's clones, so `byteSize().refine(...)` keeps `SIZE`.
 */
export const valueNames = z.registry<{ valueName: string }>();

/** Records `valueName` as the placeholder for `schema` and returns `schema`. */
export function withValueName<S extends z.ZodType>(schema: S, valueName: string): S {
  valueNames.add(schema, { valueName });
  return schema;
}

/** The placeholder for `schema`: its registered name, else `VALUE`. */
export function valueNameOf(schema: z.ZodType): string {
  return valueNames.get(schema)?.valueName ?? 'VALUE';
}
