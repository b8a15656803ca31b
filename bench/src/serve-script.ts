/** How `pnpm serve` starts the server, read from the root package.json's `serve` script. */
export interface ServeScript {
  /** Node's own flags, between `node` and the script (e.g. `--max-semi-space-size=2`). */
  readonly nodeFlags: readonly string[];
  /** The script, relative to the repository root (`cmd/linux_actiond/src/main.ts`). */
  readonly script: string;
  /** The arguments the script gets before any passed after `--` (`serve`). */
  readonly args: readonly string[];
}

/**
 * Parses a `serve` script of the form `node [--flag ...] script [arg ...]`,
 * so the benchmark starts the server exactly as `pnpm serve` does. Throws,
 * naming the script, for anything else (shell syntax, another program),
 * rather than guess.
 */
export function parseServeScript(command: string): ServeScript {
  const words = command.trim().split(/\s+/);
  const problem = words[0] !== 'node'
    ? 'it does not start with node'
    : /[|&;<>()$`"'\\*?]/.test(command)
      ? 'it uses shell syntax'
      : undefined;
  const scriptIndex = words.findIndex((word, i) => i > 0 && !word.startsWith('-'));
  if (problem !== undefined || scriptIndex < 0) {
    throw new Error(`cannot read the serve script ${JSON.stringify(command)}: ${problem ?? 'it names no script'}; expected "node [--flag ...] script [arg ...]"`);
  }
  return { nodeFlags: words.slice(1, scriptIndex), script: words[scriptIndex]!, args: words.slice(scriptIndex + 1) };
}
