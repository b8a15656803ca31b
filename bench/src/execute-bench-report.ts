import type { MachineDescription } from './machine-description.ts';
import type { DirectMaterialization } from './materialization-benchmark.ts';
import type { ProfileSummary } from './cpu-profile-summary.ts';
import type { ExplainedExecuteRun } from './execute-runs.ts';
import { percentile } from './percentile.ts';
import { median } from './statistics.ts';

/** The targets of the issue, in one place. */
export const EXECUTE_TARGETS = {
  /** Execute of a trivial action, end to end as the client sees it, p50. */
  executeP50Ms: 10,
  /** Materializing 10,000 input files. */
  materializationMs: 150,
} as const;

/** One quantity measured in every round: each round's samples, in ms. */
export interface RoundSeries {
  readonly name: string;
  /** What it measures, for the table's note column. */
  readonly note: string;
  readonly rounds: readonly (readonly number[])[];
}

/** The Executes of one trivial action, round by round, with the server's CPU per Execute in each round. */
export interface ExecuteSeries {
  readonly name: string;
  readonly note: string;
  readonly rounds: readonly (readonly ExplainedExecuteRun[])[];
  /** Server CPU (Node + reaped helpers and actions) per Execute, ms, one value per round. */
  readonly serverCpuMs: readonly number[];
}

/** Everything one `pnpm bench:execute` measured. */
export interface ExecuteBenchReport {
  readonly date: string;
  readonly machine: MachineDescription;
  readonly parameters: { readonly rounds: number; readonly runsPerRound: number; readonly wideRuns: number; readonly wideFiles: number };
  readonly executes: readonly ExecuteSeries[];
  readonly baselines: readonly RoundSeries[];
  /** Which baseline each Execute series is divided by, by name. */
  readonly ratios: readonly { readonly execute: string; readonly baseline: string }[];
  readonly wide: {
    readonly files: number;
    readonly bytes: number;
    readonly direct: readonly DirectMaterialization[];
    /** Back to back: each run meets the background removal of the last one's tree. */
    readonly executes: readonly ExplainedExecuteRun[];
    /** `gapMs` apart, so the last tree is gone before each run. */
    readonly executesApart: readonly ExplainedExecuteRun[];
    readonly gapMs: number;
  };
  readonly profile?: ProfileSummary;
  readonly totalSeconds: number;
}

/** Where RESULTS.md keeps this benchmark's block. */
export const EXECUTE_BLOCK_MARKERS = {
  begin: '<!-- execute-bench:results begin: written by `pnpm bench:execute`; text outside these markers is kept -->',
  end: '<!-- execute-bench:results end -->',
} as const;

/** The phases of the timings log in the order the report lists them, with what else the client waited for. */
const OUTSIDE = 'outside the timed phases';

/** The report in Markdown: targets, the trivial Executes with their phases, the baselines, the wide tree. */
export function formatExecuteReport(report: ExecuteBenchReport): string {
  const { machine, parameters: p } = report;
  const lines: string[] = [];
  lines.push(`## Execution benchmark, ${report.date}`);
  lines.push('');
  lines.push(
    `- Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB RAM, Node ${machine.nodeVersion}, ${machine.filesystem}; load average at start ${machine.loadAverageAtStart} (shared machine).`,
  );
  lines.push(
    `- Parameters: ${p.rounds} rounds × ${p.runsPerRound} runs of each trivial Execute and each baseline, interleaved round by round; ${p.wideRuns} runs of the ${p.wideFiles.toLocaleString('en-US')}-file materialization directly, and ${p.wideRuns} + ${p.wideRuns} as an Execute (back to back, then spaced out). Total run time ${report.totalSeconds.toFixed(0)} s.`,
  );
  lines.push('');

  lines.push('### Targets');
  lines.push('');
  lines.push('| Target | Measured | Goal | Met |');
  lines.push('|---|---|---|---|');
  const first = report.executes[0];
  if (first !== undefined) {
    const p50 = percentile(e2e(first), 50);
    lines.push(`| Execute of ${first.name}, end to end, p50 | ${ms(p50)} | < ${EXECUTE_TARGETS.executeP50Ms} ms | ${verdict(p50 < EXECUTE_TARGETS.executeP50Ms, `${ms(p50 - EXECUTE_TARGETS.executeP50Ms)} over`)} |`);
  }
  const wide = report.wide;
  const files = wide.files.toLocaleString('en-US');
  if (wide.direct.length > 0) {
    const m = median(wide.direct.map((d) => d.ms));
    const copied = wide.direct.reduce((sum, d) => sum + d.stats.bytesCopied, 0);
    lines.push(`| materialize ${files} files (ExecrootMaterializer), median | ${ms(m)}, ${copied} bytes copied | < ${EXECUTE_TARGETS.materializationMs} ms, 0 bytes copied | ${verdict(m < EXECUTE_TARGETS.materializationMs && copied === 0, copied !== 0 ? `${copied} bytes copied` : `${ms(m - EXECUTE_TARGETS.materializationMs)} over`)} |`);
  }
  for (const [runs, how] of [[wide.executes, 'back to back'], [wide.executesApart, `${wide.gapMs / 1000} s apart`]] as const) {
    if (runs.length === 0) continue;
    const m = median(runs.map((r) => phase(r, 'input materialization')));
    const copied = runs.reduce((sum, r) => sum + r.timings.bytesCopied, 0);
    lines.push(`| materialize ${files} files inside Execute (timings log), ${how}, median | ${ms(m)}, ${copied} bytes copied | < ${EXECUTE_TARGETS.materializationMs} ms, 0 bytes copied | ${verdict(m < EXECUTE_TARGETS.materializationMs && copied === 0, copied !== 0 ? `${copied} bytes copied` : `${ms(m - EXECUTE_TARGETS.materializationMs)} over`)} |`);
  }
  lines.push('');

  lines.push('### Trivial Executes, end to end and per phase');
  lines.push('');
  lines.push('End to end is from the client\'s Execute call to the done Operation (skip_cache_lookup, one at a time). The phases are the server\'s `timings` log of each run (0.1 ms resolution); "outside the timed phases" is end to end minus their total: gRPC, the Execution service, the scheduler\'s wrappers, storing the log, and what the executor does after the run (killing what is left, collecting outputs); the action-cache write and removing the cgroups and the directory happen after the answer.');
  lines.push('');
  for (const series of report.executes) {
    const runs = series.rounds.flat();
    lines.push(`**${series.name}** (${series.note}; ${runs.length} runs; server CPU per Execute, Node plus helper and action: ${series.serverCpuMs.map((c) => c.toFixed(1)).join(', ')} ms per round, median ${ms(median(series.serverCpuMs))})`);
    lines.push('');
    lines.push('| | p50 | p95 | per-round medians |');
    lines.push('|---|---|---|---|');
    lines.push(row('end to end (client)', series.rounds.map((r) => r.map((x) => x.e2eMs))));
    for (const name of phaseNames(runs)) {
      lines.push(row(`  ${name}`, series.rounds.map((r) => r.map((x) => phase(x, name)))));
    }
    lines.push(row(`  ${OUTSIDE}`, series.rounds.map((r) => r.map((x) => x.e2eMs - x.timings.totalMs))));
    lines.push('');
  }

  lines.push('### Baselines, in the same rounds');
  lines.push('');
  lines.push('| | p50 | p95 | per-round medians | what |');
  lines.push('|---|---|---|---|---|');
  for (const b of report.baselines) lines.push(`${row(b.name, b.rounds)} ${b.note} |`);
  lines.push('');
  if (report.ratios.length > 0) {
    lines.push('Ratios of medians, per round (each round\'s Execute median ÷ the same round\'s baseline median), and their median:');
    lines.push('');
    for (const { execute, baseline } of report.ratios) {
      const e = report.executes.find((s) => s.name === execute);
      const b = report.baselines.find((s) => s.name === baseline);
      if (e === undefined || b === undefined) continue;
      const ratios = e.rounds.map((r, i) => median(r.map((x) => x.e2eMs)) / median(b.rounds[i]!));
      lines.push(`- ${execute} ÷ ${baseline}: ${ratios.map((x) => x.toFixed(2)).join(', ')} → **${median(ratios).toFixed(2)}**`);
    }
    lines.push('');
  }

  lines.push(`### Materializing ${files} input files`);
  lines.push('');
  lines.push(`${wide.files.toLocaleString('en-US')} distinct small files (${wide.bytes.toLocaleString('en-US')} bytes) in ${wide.files / 100} directories of 100, all already in the CAS.`);
  lines.push('');
  lines.push('| | median | min | runs |');
  lines.push('|---|---|---|---|');
  if (wide.direct.length > 0) {
    lines.push(simpleRow('ExecrootMaterializer.materialize, in the benchmark process', wide.direct.map((d) => d.ms)));
    lines.push(simpleRow('  removing the tree again (rm -r)', wide.direct.map((d) => d.removeMs)));
  }
  for (const [runs, how] of [[wide.executes, 'back to back'], [wide.executesApart, `${wide.gapMs / 1000} s apart`]] as const) {
    if (runs.length === 0) continue;
    lines.push(simpleRow(`Execute of /bin/true over the tree, ${how}, end to end`, runs.map((r) => r.e2eMs)));
    for (const name of phaseNames(runs)) lines.push(simpleRow(`  ${name}`, runs.map((r) => phase(r, name))));
    lines.push(simpleRow(`  ${OUTSIDE}`, runs.map((r) => r.e2eMs - r.timings.totalMs)));
  }
  lines.push('');
  const allExecutes = [...wide.executes, ...wide.executesApart];
  const linked = [...wide.direct.map((d) => d.stats.filesLinked), ...allExecutes.map((r) => r.timings.filesLinked)];
  const copiedFiles = [...wide.direct.map((d) => d.stats.filesCopied), ...allExecutes.map((r) => r.timings.filesCopied)];
  const copiedBytes = [...wide.direct.map((d) => d.stats.bytesCopied), ...allExecutes.map((r) => r.timings.bytesCopied)];
  lines.push(`Every run linked ${unique(linked)} files and copied ${unique(copiedFiles)} files, ${unique(copiedBytes)} bytes.`);

  if (report.profile !== undefined) {
    const prof = report.profile;
    lines.push('');
    lines.push('### Server CPU profile during the trivial Executes');
    lines.push('');
    lines.push(`${ms(prof.sampledMs)} sampled, of which the main thread was idle ${ms(prof.idleMs)} (${percentShare(prof.idleMs / prof.sampledMs)}).`);
    lines.push('');
    lines.push('| function | self ms | share of busy time |');
    lines.push('|---|---|---|');
    for (const f of prof.top) lines.push(`| \`${f.frame}\` | ${f.selfMs.toFixed(0)} | ${percentShare(f.share)} |`);
  }
  return lines.join('\n');
}

function e2e(series: ExecuteSeries): number[] {
  return series.rounds.flat().map((r) => r.e2eMs);
}

/** A phase of one run's timings log, ms (0 when the log has no such phase). */
function phase(run: ExplainedExecuteRun, name: string): number {
  return run.timings.phases.get(name) ?? 0;
}

function phaseNames(runs: readonly ExplainedExecuteRun[]): string[] {
  const names: string[] = [];
  for (const run of runs) for (const name of run.timings.phases.keys()) if (!names.includes(name)) names.push(name);
  return names;
}

function row(name: string, rounds: readonly (readonly number[])[]): string {
  const all = rounds.flat();
  return `| ${name} | ${ms(percentile(all, 50))} | ${ms(percentile(all, 95))} | ${rounds.map((r) => median(r).toFixed(2)).join(', ')} |`;
}

function simpleRow(name: string, values: readonly number[]): string {
  return `| ${name} | ${ms(median(values))} | ${ms(Math.min(...values))} | ${values.map((v) => v.toFixed(1)).join(', ')} |`;
}

function unique(values: readonly number[]): string {
  const distinct = [...new Set(values)];
  return distinct.length === 1 ? String(distinct[0]) : distinct.join(' / ');
}

function verdict(met: boolean, shortfall: string): string {
  return met ? 'yes' : `**no**, ${shortfall}`;
}

function ms(x: number): string {
  return `${x.toFixed(2)} ms`;
}

function percentShare(x: number): string {
  return `${(x * 100).toFixed(0)}%`;
}
