import { flagName, type Flags } from './flag.ts';

/** A subcommand (`serve`): what it does and the flags it accepts. */
export interface Command<F extends Flags = Flags> {
  /** One line for --help. */
  readonly description: string;
  readonly flags: F;
}

/** The commands of a program, keyed by their command-line name. */
export type Commands = Readonly<Record<string, Command>>;

/** A whole program's command line: name and version for messages, and its subcommands. */
export interface CliSpec<C extends Commands = Commands> {
  /** Prefix of every error line and the name in usage lines (`actiond`). */
  readonly name: string;
  /** Printed by --version. */
  readonly version: string;
  /** One or two sentences for the top-level --help. */
  readonly description: string;
  readonly commands: C;
}

/** Flags every command understands; no declared flag may take these names. */
export const RESERVED_FLAGS: readonly string[] = ['help', 'version'];

/** Declares a subcommand; only here to infer `F` at the call site. */
export function command<F extends Flags>(spec: Command<F>): Command<F> {
  return spec;
}

/**
 * Declares a program's command line, checking the declaration itself:
 * command and flag names must be lowercase words, flags must not collide
 * with --help/--version or shadow a `--no-` form, and every default must pass
 * its flag's schema. Those are programming mistakes, so they throw instead of
 * becoming a CliError at parse time.
 */
export function defineCli<C extends Commands>(spec: CliSpec<C>): CliSpec<C> {
  for (const [commandName, cmd] of Object.entries(spec.commands)) {
    if (!/^[a-z][a-z0-9-]*$/.test(commandName)) throw new Error(`command name "${commandName}" must be lowercase words joined by "-"`);
    for (const [key, flag] of Object.entries(cmd.flags)) {
      const name = flagName(key);
      const where = `${commandName} --${name}`;
      if (!/^[a-z][a-zA-Z0-9]*$/.test(key)) throw new Error(`${where}: flag keys must be camelCase words`);
      if (RESERVED_FLAGS.includes(name)) throw new Error(`${where}: reserved for the built-in flag`);
      if (name.startsWith('no-')) throw new Error(`${where}: names starting with "no-" clash with negated boolean flags`);
      if (flag.kind === 'value' && typeof flag.default === 'string') {
        const parsed = flag.schema!.safeParse(flag.default);
        if (!parsed.success) throw new Error(`${where}: default ${JSON.stringify(flag.default)} fails its own schema: ${parsed.error.issues[0]?.message}`);
      }
    }
  }
  return spec;
}
