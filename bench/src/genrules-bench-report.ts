import type { MachineDescription } from './machine-description.ts';
import { median } from './statistics.ts';

/** The issue's target: actiond's wall time over linux-sandbox's, medians. */
export const BAZEL_RATIO_TARGET = 1.0;

/** One kind of build, round by round. */
export interface BuildSeries {
  /** Wall time of each timed `bazel build`, ms, from starting the client to its exit. */
  readonly wallMs: readonly number[];
  /**
   * CPU seconds per build, by process: the Bazel server (with the sandboxes
   * it reaped) and, for actiond, the actiond server (Node) and its launcher
   * with the sandboxes it reaped.
   */
  readonly cpuSeconds: readonly Readonly<Record<string, number>>[];
  /** The last build's summary line ("INFO: 201 processes: 1 internal, 200 remote."). */
  readonly summary: string;
}

/** Everything one `pnpm bench:bazel` measured. */
export interface GenrulesBenchReport {
  readonly date: string;
  readonly machine: MachineDescription;
  readonly bazelVersion: string;
  readonly parameters: { readonly rounds: number; readonly warmups: number; readonly genrules: number; readonly jobs: number | undefined };
  readonly actiond: BuildSeries;
  readonly sandbox: BuildSeries;
  readonly totalSeconds: number;
}

/** Where RESULTS.md keeps this benchmark's block. */
export const GENRULES_BLOCK_MARKERS = {
  begin: '<!-- genrules-bench:results begin: written by `pnpm bench:bazel`; text outside these markers is kept -->',
  end: '<!-- genrules-bench:results end -->',
} as const;

/** The ratio of median wall times, actiond over linux-sandbox. */
export function wallRatio(report: GenrulesBenchReport): number {
  return median(report.actiond.wallMs) / median(report.sandbox.wallMs);
}

/** The report in Markdown: the target, each build's wall time and CPU, the ratios. */
export function formatGenrulesReport(report: GenrulesBenchReport): string {
  const { machine, parameters: p } = report;
  const ratio = wallRatio(report);
  const perRound = report.actiond.wallMs.map((ms, i) => ms / report.sandbox.wallMs[i]!);
  const lines: string[] = [];
  lines.push(`## Bazel benchmark: ${p.genrules} genrules, ${report.date}`);
  lines.push('');
  lines.push(
    `- Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB RAM, Node ${machine.nodeVersion}, ${machine.filesystem}; load average at start ${machine.loadAverageAtStart} (shared machine).`,
  );
  lines.push(
    `- ${report.bazelVersion}, one warm Bazel server; ${p.genrules} independent genrules (\`echo N > $@\`); ${p.rounds} timed builds of each kind, alternating (the order flips every round), each after \`bazel clean\` and after ${p.warmups} untimed warm-up build${p.warmups === 1 ? '' : 's'} of each kind (Bazel's JIT compiles its remote path over the first builds); --jobs ${p.jobs ?? "Bazel's default (the number of cores)"}. Total run time ${report.totalSeconds.toFixed(0)} s.`,
  );
  lines.push('- (a) actiond: `--remote_executor`, `--spawn_strategy=remote`, `--noremote_accept_cached`, `--remote_default_exec_properties=libc=glibc2.36`, one linux-actiond server for the whole run. (b) `--spawn_strategy=linux-sandbox`. Both with `--incompatible_strict_action_env`.');
  lines.push('');
  lines.push('| Target | Measured | Goal | Met |');
  lines.push('|---|---|---|---|');
  const met = ratio <= BAZEL_RATIO_TARGET;
  lines.push(`| wall time through actiond ÷ wall time with linux-sandbox, medians | ${ratio.toFixed(3)} | ≤ ${BAZEL_RATIO_TARGET.toFixed(1)} | ${met ? 'yes' : `**no**, ${((ratio - BAZEL_RATIO_TARGET) * 100).toFixed(1)}% slower`} |`);
  lines.push('');
  lines.push('| Build | Median wall | Runs | CPU per build, medians | Last summary |');
  lines.push('|---|---|---|---|---|');
  const row = (name: string, series: BuildSeries): string =>
    `| ${name} | ${(median(series.wallMs) / 1000).toFixed(2)} s | ${series.wallMs.map((ms) => (ms / 1000).toFixed(2)).join(', ')} | ${cpuBreakdown(series)} | ${series.summary.replace(/^INFO: /, '')} |`;
  lines.push(row('(a) through actiond', report.actiond));
  lines.push(row('(b) linux-sandbox', report.sandbox));
  lines.push('');
  const cpuRatio = median(report.actiond.cpuSeconds.map(total)) / median(report.sandbox.cpuSeconds.map(total));
  lines.push(`Per-round ratios: ${perRound.map((r) => r.toFixed(2)).join(', ')}. CPU per build, actiond ÷ linux-sandbox: ${cpuRatio.toFixed(2)}. Per action: ${(median(report.actiond.wallMs) / p.genrules).toFixed(1)} ms through actiond, ${(median(report.sandbox.wallMs) / p.genrules).toFixed(1)} ms with linux-sandbox (wall time of the build over the number of genrules).`);
  return lines.join('\n');
}

/** "total 8.4 s: Bazel server 4.1 s, actiond (Node) 2.2 s, ..." from the per-build CPU records. */
function cpuBreakdown(series: BuildSeries): string {
  if (series.cpuSeconds.length === 0) return '–';
  const names = Object.keys(series.cpuSeconds[0]!);
  const sum = median(series.cpuSeconds.map(total));
  const parts = names.map((name) => `${name} ${median(series.cpuSeconds.map((record) => record[name] ?? 0)).toFixed(2)} s`);
  return `total ${sum.toFixed(2)} s${parts.length > 1 ? `: ${parts.join(', ')}` : ` (${parts.join('')})`}`;
}

/** All processes' CPU seconds of one build. */
function total(record: Readonly<Record<string, number>>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}
