/** What kind of mistake the command line contains; lets `main` and tests branch without matching message text. */
export type CliErrorCode =
  | 'missing-command'
  | 'unknown-command'
  | 'unknown-flag'
  | 'missing-value'
  | 'invalid-value'
  | 'missing-flag'
  | 'duplicate-flag'
  | 'unexpected-argument';

/**
 * A command line the program cannot run. The message is one line, prefixed
 * with the program name and, when one flag is at fault, the flag
 * (`actiond: --listen: expected HOST:PORT, got "abc"`), ready for stderr.
 * The parser returns it rather than throwing or exiting: deciding the exit
 * status belongs to `main`.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  /** The kind of mistake. */
  readonly code: CliErrorCode;
  /** The flag at fault, spelled as on the command line (`--listen`), when there is one. */
  readonly flag: string | undefined;

  constructor(code: CliErrorCode, message: string, flag?: string) {
    super(message);
    this.code = code;
    this.flag = flag;
  }
}
