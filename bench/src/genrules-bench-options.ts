import { parseArgs } from 'node:util';

/** What `pnpm bench:bazel [flags]` was asked to do. */
export interface BazelBenchOptions {
  /** Builds of each kind, alternating actiond / linux-sandbox, after one untimed warm-up build of each. */
  readonly rounds: number;
  /** Independent genrules in the generated workspace. */
  readonly genrules: number;
  /** Bazel's --jobs for both kinds of build; undefined: Bazel's default (the number of cores). */
  readonly jobs: number | undefined;
  /** Update bench/RESULTS.md (the default) or only print. */
  readonly writeResults: boolean;
  /** The benchmark stops itself, failing, after this long. */
  readonly maxMinutes: number;
}

/** Usage text for --help and for errors. */
export const USAGE = `usage: pnpm bench:bazel [--rounds=5] [--genrules=200] [--jobs=N] [--no-results] [--max-minutes=20]

Generates a workspace of independent trivial genrules in a temp directory and
builds it with Debian's Bazel 4.2.3, alternately (a) through linux-actiond
(--remote_executor, --noremote_accept_cached, libc=glibc2.36) and (b) with
Bazel's own --spawn_strategy=linux-sandbox, each build after \`bazel clean\` on
a warm Bazel server; prints the ratio of median wall times and updates
bench/RESULTS.md (not with --no-results, nor with a non-standard
--genrules or --jobs). See bench/README.md.`;

const DEFAULTS = { rounds: 5, genrules: 200, maxMinutes: 20 };

/** Parses the flags; throws an Error naming the flag and value that are wrong. Returns 'help' for --help. */
export function parseBazelBenchOptions(argv: readonly string[]): BazelBenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      rounds: { type: 'string' },
      genrules: { type: 'string' },
      jobs: { type: 'string' },
      'max-minutes': { type: 'string' },
      'no-results': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  const genrules = positiveInteger('--genrules', values.genrules, DEFAULTS.genrules);
  const jobs = values.jobs === undefined ? undefined : positiveInteger('--jobs', values.jobs, 0);
  return {
    rounds: positiveInteger('--rounds', values.rounds, DEFAULTS.rounds),
    genrules,
    jobs,
    // Only the standard parameters belong in RESULTS.md.
    writeResults: !values['no-results'] && genrules === DEFAULTS.genrules && jobs === undefined,
    maxMinutes: positiveInteger('--max-minutes', values['max-minutes'], DEFAULTS.maxMinutes),
  };
}

function positiveInteger(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${flag} must be a positive integer, got ${JSON.stringify(text)}`);
  return value;
}
