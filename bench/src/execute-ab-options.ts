import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** What an A/B comparison of two checkouts was asked to do (bench/src/execute-ab.ts, bench/src/genrules-ab.ts). */
export interface AbOptions {
  /** The two checkouts, A (the old, usually) and B, absolute: each has its own node_modules and built sandbox helper. */
  readonly checkouts: readonly [string, string];
  /** Rounds; each runs A and B once, the order flipping every round. */
  readonly rounds: number;
  /** Executes per checkout per round (execute-ab only). */
  readonly runs: number;
}

/** Usage text for --help and for errors. */
export const AB_USAGE = `usage: pnpm exec node bench/src/execute-ab.ts  <checkout A> <checkout B> [--rounds=10] [--runs=30]
       pnpm exec node bench/src/genrules-ab.ts <checkout A> <checkout B> [--rounds=5]

Starts linux-actiond from each checkout (as pnpm serve does, each on its own
temp --root) and compares them in one run, alternating: execute-ab runs the
glibc /bin/true Execute of bench:execute against both (p50, p95 and server
CPU per Execute, launcher included); genrules-ab builds the 200 genrules of
bench:bazel through each and with linux-sandbox. Prints only. A checkout is
a copy of the repository with node_modules, the built helper and
build/runtimes (see bench/README.md, "A/B of two commits").`;

/** Parses the arguments; throws an Error naming what is wrong. Returns 'help' for --help. */
export function parseAbOptions(argv: readonly string[], defaults: { rounds: number; runs: number }): AbOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: {
      rounds: { type: 'string' },
      runs: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  if (positionals.length !== 2) throw new Error(`expected two checkouts, A and B, got ${positionals.length}`);
  const checkouts = positionals.map((path) => resolve(path)) as [string, string];
  for (const checkout of checkouts) {
    if (!existsSync(join(checkout, 'cmd/linux_actiond/src/main.ts'))) {
      throw new Error(`${checkout} is not a checkout of this repository (no cmd/linux_actiond/src/main.ts)`);
    }
  }
  return {
    checkouts,
    rounds: positiveInteger('--rounds', values.rounds, defaults.rounds),
    runs: positiveInteger('--runs', values.runs, defaults.runs),
  };
}

function positiveInteger(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^[1-9]\d{0,5}$/.test(text)) throw new Error(`${flag} must be a positive integer, got ${JSON.stringify(text)}`);
  return Number(text);
}
