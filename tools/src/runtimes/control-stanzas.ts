/**
 * Parses Debian control data (deb822): the format of the archive's Packages
 * indexes, its Release files, and apt's .sources files. Stanzas are separated
 * by blank lines; a field is `Name: value`, continued on lines that start
 * with a space or tab. Field names are case-insensitive, so lookups go
 * through `field()`.
 */

/** One paragraph of control data. */
export class ControlStanza {
  readonly #fields: Map<string, string>;
  /** 1-based line number of the stanza's first field, for error messages. */
  readonly line: number;

  /** `fields` maps lower-cased field names to their raw (possibly multi-line) values. */
  constructor(fields: Map<string, string>, line: number) {
    this.#fields = fields;
    this.line = line;
  }

  /** The field's value with surrounding whitespace removed, or undefined when absent. */
  field(name: string): string | undefined {
    return this.#fields.get(name.toLowerCase());
  }

  /** The field's value; throws naming the field and `what` when it is absent or empty. */
  required(name: string, what: string): string {
    const value = this.field(name);
    if (value === undefined || value === '') throw new Error(`${what}: stanza at line ${this.line} has no ${name} field`);
    return value;
  }
}

/**
 * Splits control text into stanzas. Comment lines (`#`) are skipped, as apt
 * does for .sources files; they never occur in archive indexes. Throws on a
 * line that is neither a field, a continuation nor blank, naming `what` and
 * the line number.
 */
export function parseControlStanzas(text: string, what: string): ControlStanza[] {
  const stanzas: ControlStanza[] = [];
  let fields = new Map<string, string>();
  let start = 0;
  let last: string | undefined;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] as string).replace(/\r$/, '');
    if (line.trim() === '') {
      if (fields.size > 0) stanzas.push(new ControlStanza(fields, start));
      fields = new Map();
      last = undefined;
      continue;
    }
    if (line.startsWith('#')) continue;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (last === undefined) throw new Error(`${what}: line ${n + 1} continues a field that was never started`);
      fields.set(last, `${fields.get(last)}\n${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`${what}: line ${n + 1} is not a "Field: value" line: ${JSON.stringify(line.slice(0, 80))}`);
    if (fields.size === 0) start = n + 1;
    last = line.slice(0, colon).trim().toLowerCase();
    fields.set(last, line.slice(colon + 1).trim());
  }
  if (fields.size > 0) stanzas.push(new ControlStanza(fields, start));
  return stanzas;
}
