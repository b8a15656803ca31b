/**
 * One option a kernel config fragment asks for, with where it was asked, so
 * an option Kconfig drops can be reported by file and line.
 */
export interface KconfigSetting {
  /** The full symbol name, CONFIG_ prefix included. */
  readonly symbol: string;
  /** The requested value as written after '=' ("y", "m", "42", "\"text\""), or null for "is not set". */
  readonly value: string | null;
  /** The fragment's name as given to the parser (a repository path, for messages). */
  readonly file: string;
  /** 1-based line number in that fragment. */
  readonly line: number;
}

const SET = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/;
const NOT_SET = /^# (CONFIG_[A-Za-z0-9_]+) is not set$/;

/**
 * Parses a config fragment in the kernel's .config syntax: `CONFIG_X=value`
 * lines, `# CONFIG_X is not set` lines, other comments and blank lines.
 * Throws naming the file and line for anything else (a typo such as
 * `CONFIG_X y` would otherwise be dropped silently by merge_config.sh), for
 * an empty value, and for a symbol set twice in the same fragment.
 */
export function parseKconfigFragment(text: string, file: string): KconfigSetting[] {
  const settings: KconfigSetting[] = [];
  const seen = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const line = raw.trim();
    const where = `${file}:${i + 1}`;
    let symbol: string;
    let value: string | null;
    const set = SET.exec(line);
    const notSet = NOT_SET.exec(line);
    if (set !== null) {
      symbol = set[1] ?? '';
      value = set[2] ?? '';
      if (value === '') throw new Error(`${where}: ${symbol} has an empty value (write '# ${symbol} is not set' to turn it off)`);
      if (value === 'n') throw new Error(`${where}: write '# ${symbol} is not set' instead of ${symbol}=n`);
    } else if (notSet !== null) {
      symbol = notSet[1] ?? '';
      value = null;
    } else if (line === '' || (line.startsWith('#') && !/^#\s*CONFIG_/.test(line))) {
      continue;
    } else {
      throw new Error(`${where}: not a kernel config line: '${raw}' (expected CONFIG_X=value or '# CONFIG_X is not set')`);
    }
    const previous = seen.get(symbol);
    if (previous !== undefined) throw new Error(`${where}: ${symbol} is already set on line ${previous}`);
    seen.set(symbol, i + 1);
    settings.push({ symbol, value, file, line: i + 1 });
  }
  return settings;
}

/**
 * Parses a complete .config as Kconfig writes it into symbol → value (null
 * for "is not set"). Symbols missing from the map were invisible to Kconfig
 * (their dependencies are off), which also means not set.
 */
export function parseDotConfig(text: string): Map<string, string | null> {
  const values = new Map<string, string | null>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const set = SET.exec(line);
    if (set !== null) {
      values.set(set[1] ?? '', set[2] ?? '');
      continue;
    }
    const notSet = NOT_SET.exec(line);
    if (notSet !== null) values.set(notSet[1] ?? '', null);
  }
  return values;
}
