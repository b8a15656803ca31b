import type { CliSpec, Command } from './cli-spec.ts';
import { flagName, type Flag } from './flag.ts';

/** How a flag is written in help and in "accepted:" lists: `--listen HOST:PORT`, `--[no-]verbose`. */
export function flagUsage(key: string, flag: Flag, withValue = true): string {
  const name = flagName(key);
  if (flag.kind === 'boolean') return `--[no-]${name}`;
  return withValue ? `--${name} ${flag.valueName}` : `--${name}`;
}

function flagNote(flag: Flag): string {
  if (flag.required) return ' (required)';
  if (flag.repeated) return ' (repeatable)';
  if (flag.default !== undefined) return ` (default: ${String(flag.default)})`;
  return '';
}

/** Two columns, the left padded to its widest entry, each row indented by two spaces. */
function table(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`.trimEnd()).join('\n');
}

/** The top-level --help: the program, its commands and the built-in flags. */
export function formatCliHelp(spec: CliSpec): string {
  const commands = Object.entries(spec.commands).map(([name, cmd]) => [name, cmd.description] as const);
  return [
    `${spec.name} ${spec.version}: ${spec.description}`,
    '',
    `Usage: ${spec.name} <command> [flags]`,
    '',
    'Commands:',
    table(commands),
    '',
    'Flags:',
    table([
      ['-h, --help', 'Show this help'],
      ['--version', 'Print the version'],
    ]),
    '',
    `Run "${spec.name} <command> --help" for the flags of a command.`,
    '',
  ].join('\n');
}

/** A command's --help: usage, description, and every flag with its placeholder, description and default. */
export function formatCommandHelp(spec: CliSpec, commandName: string, cmd: Command): string {
  const rows = Object.entries(cmd.flags).map(([key, flag]) => [flagUsage(key, flag), flag.description + flagNote(flag)] as const);
  rows.push(['-h, --help', 'Show this help']);
  return [`Usage: ${spec.name} ${commandName} [flags]`, '', cmd.description, '', 'Flags:', table(rows), ''].join('\n');
}
