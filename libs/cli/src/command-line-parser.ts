import type { z } from 'zod';
import { CliError } from './cli-error.ts';
import type { CliSpec, Command, Commands } from './cli-spec.ts';
import { flagName, type Flag, type FlagValues } from './flag.ts';
import { flagUsage, formatCliHelp, formatCommandHelp } from './help-text.ts';

/** A command line that names a command and whose flags all parsed: the command and its typed flag values. */
export type RunCommand<C extends Commands> = {
  [K in keyof C & string]: { readonly kind: 'run'; readonly command: K; readonly flags: FlagValues<C[K]['flags']> };
}[keyof C & string];

/**
 * What a command line asks for. `help` and `version` carry the text to print
 * on stdout; `error` carries the one-line CliError for stderr and a hint line
 * pointing at the relevant --help. Exit codes are `main`'s decision.
 */
export type ParsedCommandLine<C extends Commands> =
  | RunCommand<C>
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'version'; readonly text: string }
  | { readonly kind: 'error'; readonly error: CliError; readonly hint: string };

/** `-x` and `--x` are flags; a lone `-` is an ordinary value (conventionally stdin). */
const isFlagLike = (token: string) => token.length > 1 && token.startsWith('-');

/**
 * Parses `argv` (without the node and script paths) against `spec`. Pure: no
 * I/O, no environment, no exit.
 *
 * Grammar: `<command> [flags]`, where a flag is `--name VALUE`,
 * `--name=VALUE`, or for booleans `--name`, `--no-name`, `--name=true|false`.
 * A separate value is never taken from a token starting with `-` (other than
 * `-` itself), so a forgotten value reports as missing instead of swallowing
 * the next flag; values that start with a dash use `--name=-x`. Only --help
 * (-h) and --version may precede the command, and either anywhere before `--`
 * wins over every other token, so asking for help never fails on a bad flag.
 * Commands take no positional arguments.
 */
export function parseCommandLine<C extends Commands>(spec: CliSpec<C>, argv: readonly string[]): ParsedCommandLine<C> {
  const dashDash = argv.indexOf('--');
  const head = dashDash < 0 ? argv : argv.slice(0, dashDash);
  // Before the command only value-less flags are allowed, so the first
  // non-flag token is the command.
  const commandIndex = head.findIndex((token) => !isFlagLike(token));
  const commandName = commandIndex < 0 ? undefined : head[commandIndex];
  const cmd: Command | undefined =
    commandName !== undefined && Object.hasOwn(spec.commands, commandName) ? spec.commands[commandName] : undefined;

  if (head.includes('--help') || head.includes('-h')) {
    return { kind: 'help', text: cmd ? formatCommandHelp(spec, commandName!, cmd) : formatCliHelp(spec) };
  }
  if (head.includes('--version')) return { kind: 'version', text: `${spec.name} ${spec.version}\n` };

  try {
    const commandList = Object.keys(spec.commands).join(', ');
    const beforeCommand = commandIndex < 0 ? head : head.slice(0, commandIndex);
    const stray = beforeCommand.find(isFlagLike);
    if (stray !== undefined) {
      throw new CliError('unknown-flag', `${spec.name}: ${stray}: only --help and --version may come before the command (${commandList})`, stray);
    }
    if (commandName === undefined) {
      throw new CliError('missing-command', `${spec.name}: missing command; expected one of: ${commandList}`);
    }
    if (cmd === undefined) {
      throw new CliError('unknown-command', `${spec.name}: unknown command ${JSON.stringify(commandName)}; expected one of: ${commandList}`);
    }
    const flags = parseFlags(spec.name, cmd, argv.slice(commandIndex + 1));
    return { kind: 'run', command: commandName, flags } as RunCommand<C>;
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    const helpFor = cmd ? `${spec.name} ${commandName} --help` : `${spec.name} --help`;
    return { kind: 'error', error: err, hint: `Run "${helpFor}" for usage.` };
  }
}

/** Parses the tokens after the command into values keyed like `cmd.flags`; throws CliError. */
function parseFlags(program: string, cmd: Command, tokens: readonly string[]): Record<string, unknown> {
  const keyByName = new Map(Object.keys(cmd.flags).map((key) => [flagName(key), key]));
  const seen = new Map<string, unknown>();
  const fail = (code: CliError['code'], flag: string, reason: string): never => {
    throw new CliError(code, `${program}: ${flag}: ${reason}`, flag);
  };
  const store = (key: string, flag: Flag, spelled: string, value: unknown) => {
    if (flag.repeated) {
      seen.set(key, [...((seen.get(key) as unknown[] | undefined) ?? []), value]);
    } else if (seen.has(key)) {
      fail('duplicate-flag', spelled, 'given more than once; it takes a single value');
    } else {
      seen.set(key, value);
    }
  };

  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === '--' || !isFlagLike(token)) {
      const previous = i > 0 ? tokens[i - 1]! : '';
      const previousKey = keyByName.get(previous.slice(2));
      const hint =
        previousKey !== undefined && cmd.flags[previousKey]!.kind === 'boolean'
          ? ` (boolean flags take a value only as ${previous}=true or ${previous}=false)`
          : '';
      const argument = token === '--' ? tokens[i + 1] : token;
      if (argument === undefined) break; // a trailing `--` with nothing after it
      throw new CliError('unexpected-argument', `${program}: unexpected argument ${JSON.stringify(argument)}${hint}`);
    }
    const body = token.startsWith('--') ? token.slice(2) : '';
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const inline = eq < 0 ? undefined : body.slice(eq + 1);
    const spelled = `--${name}`;
    const key = keyByName.get(name);

    if (key === undefined) {
      const positiveKey = name.startsWith('no-') ? keyByName.get(name.slice(3)) : undefined;
      if (positiveKey === undefined) {
        const accepted = [...Object.entries(cmd.flags).map(([k, f]) => flagUsage(k, f, false)), '--help'].join(', ');
        throw new CliError('unknown-flag', `${program}: unknown flag ${token.split('=', 1)[0]}; accepted: ${accepted}`, token.split('=', 1)[0]);
      }
      const positive = cmd.flags[positiveKey]!;
      if (positive.kind !== 'boolean') fail('unknown-flag', spelled, `--${name.slice(3)} is not a boolean flag, so it has no --no- form`);
      if (inline !== undefined) fail('invalid-value', spelled, `takes no value, got ${JSON.stringify(inline)}`);
      store(positiveKey, positive, `--${name.slice(3)}`, false);
      continue;
    }

    const flag = cmd.flags[key]!;
    if (flag.kind === 'boolean') {
      if (inline !== undefined && inline !== 'true' && inline !== 'false') {
        fail('invalid-value', spelled, `expected true or false, got ${JSON.stringify(inline)}`);
      }
      store(key, flag, spelled, inline !== 'false');
      continue;
    }

    let raw = inline;
    if (raw === undefined) {
      const next = tokens[i + 1];
      if (next === undefined || isFlagLike(next)) {
        const dash = next !== undefined && next !== '--' ? `; to pass a value starting with "-", write ${spelled}=${next}` : '';
        fail('missing-value', spelled, `missing value, expected ${flag.valueName}${dash}`);
      }
      raw = next!;
      i++;
    }
    store(key, flag, spelled, parseValue(flag.schema!, raw, (reason) => fail('invalid-value', spelled, reason)));
  }

  const values: Record<string, unknown> = {};
  for (const [key, flag] of Object.entries(cmd.flags)) {
    if (seen.has(key)) {
      values[key] = seen.get(key);
    } else if (flag.repeated) {
      values[key] = [];
    } else if (flag.kind === 'boolean') {
      values[key] = flag.default;
    } else if (flag.default !== undefined) {
      // defineCli proved the default parses, so this cannot fail.
      values[key] = parseValue(flag.schema!, String(flag.default), (reason) => fail('invalid-value', `--${flagName(key)}`, reason));
    } else if (flag.required) {
      fail('missing-flag', `--${flagName(key)}`, `required flag missing, expected --${flagName(key)} ${flag.valueName}`);
    } else {
      values[key] = undefined;
    }
  }
  return values;
}

/** Runs `raw` through `schema`; on failure reports a one-line reason that shows the rejected value. */
function parseValue(schema: z.ZodType, raw: string, reject: (reason: string) => never): unknown {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const message = (result.error.issues[0]?.message ?? 'invalid value').replace(/\s+/g, ' ').trim();
  // zod's own messages start with a capital ("Invalid option: ..."); ours continue a sentence.
  const reason = /^[A-Z][a-z]/.test(message) ? message[0]!.toLowerCase() + message.slice(1) : message;
  return reject(reason.includes('got ') ? reason : `${reason}, got ${JSON.stringify(raw)}`);
}
