import type { Command } from '@actiond/proto';
import { invalidArgument } from '@actiond/status';

/**
 * Checks what of a Command reaches execve: at least one argument, the first
 * not empty; environment variable names not empty, without `=`, and unique;
 * no NUL byte anywhere (execve would silently cut the string there). Throws
 * INVALID_ARGUMENT naming the argument or variable.
 */
export function checkCommand(command: Command): void {
  if (command.arguments.length === 0) throw invalidArgument('the command has no arguments');
  if (command.arguments[0] === '') throw invalidArgument('the command\'s first argument (the program) is empty');
  command.arguments.forEach((arg, i) => {
    if (arg.includes('\0')) throw invalidArgument(`command argument ${i} ${JSON.stringify(arg)} contains a NUL byte`);
  });
  const names = new Set<string>();
  for (const { name, value } of command.environmentVariables) {
    if (name === '' || name.includes('=') || name.includes('\0')) {
      throw invalidArgument(`environment variable name ${JSON.stringify(name)} is empty or contains "=" or a NUL byte`);
    }
    if (value.includes('\0')) throw invalidArgument(`environment variable ${name} has a value with a NUL byte`);
    if (names.has(name)) throw invalidArgument(`environment variable ${name} is given more than once`);
    names.add(name);
  }
}
