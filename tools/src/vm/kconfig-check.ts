import type { KconfigSetting } from './kconfig-fragment.ts';

/** A requested option the final .config does not honour, and what it holds instead. */
export interface UnmetKconfigSetting {
  readonly requested: KconfigSetting;
  /** The final value: a string, null for "is not set", undefined when Kconfig never showed the symbol. */
  readonly actual: string | null | undefined;
}

/**
 * Compares the options requested by the fragments (in merge order: a later
 * fragment overrides an earlier one for the same symbol, as in
 * merge_config.sh) with the final .config, and returns every request the
 * final config does not honour. Kconfig silently drops a `=y` whose
 * dependencies are off; this is how the build notices.
 */
export function unmetKconfigSettings(
  requested: readonly KconfigSetting[],
  final: ReadonlyMap<string, string | null>,
): UnmetKconfigSetting[] {
  const effective = new Map<string, KconfigSetting>();
  for (const setting of requested) effective.set(setting.symbol, setting);
  const unmet: UnmetKconfigSetting[] = [];
  for (const setting of effective.values()) {
    const actual = final.get(setting.symbol);
    const met = setting.value === null ? actual === null || actual === undefined : actual === setting.value;
    if (!met) unmet.push({ requested: setting, actual });
  }
  return unmet;
}

/** One line per unmet option, naming the fragment line that asked for it and what happened. */
export function describeUnmetKconfig(unmet: readonly UnmetKconfigSetting[]): string {
  return unmet
    .map(({ requested, actual }) => {
      const asked = requested.value === null ? `# ${requested.symbol} is not set` : `${requested.symbol}=${requested.value}`;
      const got =
        actual === undefined
          ? 'is absent from the final .config (its dependencies are off, or the symbol does not exist in this kernel)'
          : actual === null
            ? 'ended up not set (a dependency is off)'
            : `ended up ${requested.symbol}=${actual}`;
      return `  ${requested.file}:${requested.line}: ${asked} ${got}`;
    })
    .join('\n');
}
