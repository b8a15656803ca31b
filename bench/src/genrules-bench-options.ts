import { parseArgs } from 'node:util';

/** What `pnpm bench:bazel [flags]` was asked to do. */
export interface BazelBenchOptions {
  /** Builds of each kind, alternating actiond / linux-sandbox, after the warm-up builds. */
  readonly rounds: number;
  /**
   * Untimed builds of each kind first, alternating. Bazel's JVM compiles its
   * remote-execution path over the first builds that use it: its JIT threads
   * took 4.4, 2.7, 1.8, 1.5 and 1.7 CPU-s in five successive actiond builds
   * on a fresh Bazel server (0.6-0.9 in linux-sandbox builds), so with one
   * warm-up the first timed rounds measured Bazel's compiler, not a warm
   * developer's build (bench/RESULTS.md).
   */
  readonly warmups: number;
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
export const USAGE = `usage: pnpm bench:bazel [--rounds=5] [--warmups=3] [--genrules=200] [--jobs=N] [--no-results] [--max-minutes=20]

Generates a workspace of independent trivial genrules in a temp directory and
builds it with Debian's Bazel 4.2.3, alternately (a) through linux-actiond
(--remote_executor, --noremote_accept_cached, libc=glibc2.36) and (b) with
Bazel's own --spawn_strategy=linux-sandbox, each build after \`bazel clean\` on
a warm Bazel server (--warmups untimed builds of each kind first); prints
the ratio of median wall times and updates bench/RESULTS.md (not with
--no-results, nor with a non-standard --genrules, --jobs or --warmups). See
bench/README.md.`;

const DEFAULTS = { rounds: 5, warmups: 3, genrules: 200, maxMinutes: 20 };

/** Parses the flags; throws an Error naming the flag and value that are wrong. Returns 'help' for --help. */
export function parseBazelBenchOptions(argv: readonly string[]): BazelBenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      rounds: { type: 'string' },
      warmups: { type: 'string' },
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
  const warmups = positiveInteger('--warmups', values.warmups, DEFAULTS.warmups);
  return {
    rounds: positiveInteger('--rounds', values.rounds, DEFAULTS.rounds),
    warmups,
    genrules,
    jobs,
    // Only the standard parameters belong in RESULTS.md.
    writeResults: !values['no-results'] && genrules === DEFAULTS.genrules && jobs === undefined && warmups === DEFAULTS.warmups,
    maxMinutes: positiveInteger('--max-minutes', values['max-minutes'], DEFAULTS.maxMinutes),
  };
}

function positiveInteger(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${flag} must be a positive integer, got ${JSON.stringify(text)}`);
  return value;
}
