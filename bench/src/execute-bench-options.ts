import { parseArgs } from 'node:util';

/** What `pnpm bench:execute [flags]` was asked to do. */
export interface ExecuteBenchOptions {
  /** Rounds; each measures every quantity once more, interleaved, so a busy spell hits all of them. */
  readonly rounds: number;
  /** Executes (and baseline runs) of each trivial action per round. */
  readonly runsPerRound: number;
  /** Runs of the 10,000-file materialization, directly and as an Execute. */
  readonly wideRuns: number;
  /** Files of the wide input tree (in directories of 100). */
  readonly wideFiles: number;
  /** Run the server under --cpu-prof and report its top frames during the trivial Executes. */
  readonly profile: boolean;
  /** Update bench/RESULTS.md (the default) or only print. */
  readonly writeResults: boolean;
  /** The benchmark stops itself, failing, after this long. */
  readonly maxMinutes: number;
}

/** Usage text for --help and for errors. */
export const USAGE = `usage: pnpm bench:execute [--rounds=5] [--runs=40] [--wide-runs=7] [--wide-files=10000]
                          [--profile] [--no-results] [--max-minutes=8]

Starts linux-actiond on a fresh --root in a temp directory, runs trivial
actions through Execute (skip_cache_lookup) against the raw cost of fork+exec
and of the bare sandbox, materializes a 10,000-file input tree directly and
through Execute, prints a report and updates bench/RESULTS.md (not with
--no-results or --profile). See bench/README.md.`;

const DEFAULTS = { rounds: 5, runsPerRound: 40, wideRuns: 7, wideFiles: 10_000, maxMinutes: 8 };

/** Parses the flags; throws an Error naming the flag and value that are wrong. Returns 'help' for --help. */
export function parseExecuteBenchOptions(argv: readonly string[]): ExecuteBenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      rounds: { type: 'string' },
      runs: { type: 'string' },
      'wide-runs': { type: 'string' },
      'wide-files': { type: 'string' },
      'max-minutes': { type: 'string' },
      profile: { type: 'boolean', default: false },
      'no-results': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  const wideFiles = positiveInteger('--wide-files', values['wide-files'], DEFAULTS.wideFiles);
  if (wideFiles % 100 !== 0) throw new Error(`--wide-files must be a multiple of 100 (directories of 100 files), got ${wideFiles}`);
  return {
    rounds: positiveInteger('--rounds', values.rounds, DEFAULTS.rounds),
    runsPerRound: positiveInteger('--runs', values.runs, DEFAULTS.runsPerRound),
    wideRuns: positiveInteger('--wide-runs', values['wide-runs'], DEFAULTS.wideRuns),
    wideFiles,
    maxMinutes: positiveInteger('--max-minutes', values['max-minutes'], DEFAULTS.maxMinutes),
    profile: values.profile,
    // Profiling slows the server: its numbers never replace the standard ones.
    writeResults: !values['no-results'] && !values.profile,
  };
}

function positiveInteger(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${flag} must be a positive integer, got ${JSON.stringify(text)}`);
  return value;
}
