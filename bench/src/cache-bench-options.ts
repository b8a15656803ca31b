import { parseArgs } from 'node:util';

/** What `pnpm bench:cache [flags]` was asked to do. */
export interface CacheBenchOptions {
  /** Rounds of the ByteStream measurements and runs of BatchUpdateBlobs. */
  readonly runs: number;
  /** Runs of FindMissingBlobs (cheap, so more of them). */
  readonly findRuns: number;
  /** Size of each ByteStream blob, MiB. */
  readonly blobMib: number;
  readonly batchBlobs: number;
  readonly findDigests: number;
  /** Run the server under --cpu-prof and report its top frames per phase. */
  readonly profile: boolean;
  /** Update bench/RESULTS.md (the default) or only print. */
  readonly writeResults: boolean;
  /** The benchmark stops itself, failing, after this long. */
  readonly maxMinutes: number;
}

/** Usage text for --help and for errors. */
export const USAGE = `usage: pnpm bench:cache [--runs=5] [--find-runs=7] [--blob-mib=1024] [--batch-blobs=10000]
                        [--find-digests=100000] [--profile] [--no-results] [--max-minutes=9]

Starts linux-actiond on a fresh --root in a temp directory, measures ByteStream
Write/Read, BatchUpdateBlobs, FindMissingBlobs and the server's memory against
this machine's SHA-256 and disk speed, prints a report and updates
bench/RESULTS.md (not with --no-results). See bench/README.md.`;

const DEFAULTS = { runs: 5, findRuns: 7, blobMib: 1024, batchBlobs: 10_000, findDigests: 100_000, maxMinutes: 9 };

/** Parses the flags; throws an Error naming the flag and value that are wrong. Returns 'help' for --help. */
export function parseCacheBenchOptions(argv: readonly string[]): CacheBenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      runs: { type: 'string' },
      'find-runs': { type: 'string' },
      'blob-mib': { type: 'string' },
      'batch-blobs': { type: 'string' },
      'find-digests': { type: 'string' },
      'max-minutes': { type: 'string' },
      profile: { type: 'boolean', default: false },
      'no-results': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  const findDigests = positiveInteger('--find-digests', values['find-digests'], DEFAULTS.findDigests);
  if (findDigests % 2 !== 0) throw new Error(`--find-digests must be even (half present, half absent), got ${findDigests}`);
  return {
    runs: positiveInteger('--runs', values.runs, DEFAULTS.runs),
    findRuns: positiveInteger('--find-runs', values['find-runs'], DEFAULTS.findRuns),
    blobMib: positiveInteger('--blob-mib', values['blob-mib'], DEFAULTS.blobMib),
    batchBlobs: positiveInteger('--batch-blobs', values['batch-blobs'], DEFAULTS.batchBlobs),
    findDigests,
    maxMinutes: positiveInteger('--max-minutes', values['max-minutes'], DEFAULTS.maxMinutes),
    profile: values.profile,
    writeResults: !values['no-results'],
  };
}

function positiveInteger(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${flag} must be a positive integer, got ${JSON.stringify(text)}`);
  return value;
}
