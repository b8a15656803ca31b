import type { BatchUpdateResults } from './batch-update-benchmark.ts';
import type { ByteStreamResults } from './byte-stream-benchmark.ts';
import type { ProfileSummary } from './cpu-profile-summary.ts';
import type { FindMissingResults } from './find-missing-benchmark.ts';
import type { MachineDescription } from './machine-description.ts';
import type { Measurement } from './measurement.ts';
import { median } from './statistics.ts';

/** Everything one `pnpm bench:cache` run found out. */
export interface CacheBenchReport {
  /** When the run started (ISO 8601, UTC). */
  readonly date: string;
  /** The commit measured, and whether the server's sources had uncommitted changes. */
  readonly code: string;
  readonly machine: MachineDescription;
  readonly parameters: {
    readonly blobBytes: number;
    readonly chunkBytes: number;
    readonly runs: number;
    readonly batchBlobs: number;
    readonly batchBlobBytes: number;
    readonly findDigests: number;
    readonly findRuns: number;
  };
  /** The server's max_batch_total_size_bytes as advertised by GetCapabilities. */
  readonly maxBatchTotalSizeBytes: number;
  readonly byteStream: ByteStreamResults;
  readonly batch: BatchUpdateResults;
  readonly find: FindMissingResults;
  readonly memory: {
    /** Median VmRSS a few seconds after the server started, before any call. */
    readonly idleRssBytes: number;
    /** Median VmRSS a few seconds after the last call. */
    readonly afterLoadRssBytes: number;
    /** Highest sampled VmRSS per phase. */
    readonly phasePeaks: ReadonlyMap<string, number>;
    /** VmHWM at the end: the kernel's exact peak over the server's life. */
    readonly peakRssBytes: number;
  };
  /** Present when the server ran with --cpu-prof: per measured phase. */
  readonly profile?: ReadonlyMap<string, ProfileSummary>;
  /** Wall time of the whole benchmark, seconds. */
  readonly totalSeconds: number;
}

/** The targets the benchmark checks. */
export const TARGETS = {
  /** ByteStream Write ÷ min(SHA-256 one core, disk write without fsync). */
  writeShareOfLimit: 0.4,
  findMissingMs: 100,
  idleRssBytes: 120 * 1024 * 1024,
} as const;

const MIB = 1024 * 1024;

/** The markers of the block a run rewrites in RESULTS.md; a profiled run has its own block. */
export function blockMarkers(profiled: boolean): { readonly begin: string; readonly end: string } {
  const name = profiled ? 'cache-bench:profiled' : 'cache-bench:results';
  return {
    begin: `<!-- ${name} begin: written by \`pnpm bench:cache${profiled ? ' --profile' : ''}\`; text outside these markers is kept -->`,
    end: `<!-- ${name} end -->`,
  };
}

/** The write ratio the target is about, and the limit it divides by. */
export function writeRatio(results: ByteStreamResults): { readonly ratio: number; readonly limit: number; readonly limitName: string } {
  const sha = results.sha256Node.median;
  const disk = results.diskWrite.median;
  const limit = Math.min(sha, disk);
  return { ratio: results.write.median / limit, limit, limitName: sha <= disk ? 'SHA-256 (node:crypto)' : 'disk write without fsync' };
}

/** The report as Markdown: targets, every measurement with all its runs, memory, and the profile if any. */
export function formatReport(report: CacheBenchReport): string {
  const { byteStream: bs, batch, find, memory, machine, parameters: p } = report;
  const write = writeRatio(bs);
  const perRoundRatios = bs.write.values.map((w, i) => w / Math.min(bs.sha256Node.values[i]!, bs.diskWrite.values[i]!));
  const fsyncRatio = bs.write.median / Math.min(bs.sha256Node.median, bs.diskWriteFsync.median);
  const findMs = find.latency.median;
  const gigabytes = p.blobBytes / 1e9;
  const lines: string[] = [];
  const push = (...more: string[]): void => void lines.push(...more);

  push(
    `## Cache benchmark, ${report.date}${report.profile ? ' (server under --cpu-prof)' : ''}`,
    '',
    `- Code: ${report.code}.`,
    `- Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB RAM, Node ${machine.nodeVersion}, ${machine.filesystem}; load average at start ${machine.loadAverageAtStart} (shared machine).`,
    `- Parameters: ${p.runs} rounds of a ${formatBytes(p.blobBytes)} blob in ${formatBytes(p.chunkBytes)} chunks; ${p.runs} runs of BatchUpdateBlobs of ${p.batchBlobs} × ${formatBytes(p.batchBlobBytes)} blobs (${batch.batchesPerRun} requests per run, server limit ${formatBytes(report.maxBatchTotalSizeBytes)}); ${p.findRuns} FindMissingBlobs of ${p.findDigests} digests. Total run time ${report.totalSeconds.toFixed(0)} s.`,
    '',
    '### Targets',
    '',
    '| Target | Median | Goal | Met |',
    '|---|---|---|---|',
    `| ByteStream Write ÷ min(SHA-256 one core, disk write without fsync) | ${percent(write.ratio)} (${mbps(bs.write.median)} of ${mbps(write.limit)}, limited by ${write.limitName}) | ≥ ${percent(TARGETS.writeShareOfLimit)} | ${verdict(write.ratio >= TARGETS.writeShareOfLimit, `${((TARGETS.writeShareOfLimit - write.ratio) * 100).toFixed(0)} percentage points short`)} |`,
    `| FindMissingBlobs of ${p.findDigests} digests | ${ms(findMs)} | < ${TARGETS.findMissingMs} ms | ${verdict(findMs < TARGETS.findMissingMs, `${ms(findMs - TARGETS.findMissingMs)} over`)} |`,
    `| Server RSS at idle | ${mib(memory.idleRssBytes)} | < ${mib(TARGETS.idleRssBytes)} | ${verdict(memory.idleRssBytes < TARGETS.idleRssBytes, `${mib(memory.idleRssBytes - TARGETS.idleRssBytes)} over`)} |`,
    '',
    `Per-round write ratios: ${perRoundRatios.map(percent).join(', ')} (median ${percent(median(perRoundRatios))}). Against disk write with fsync instead: ${percent(fsyncRatio)}. With the grpc-js client instead of the raw HTTP/2 one: Write ${mbps(bs.writeGrpcJs.median)}. Against the null server (the grpc-js client and a grpc-js server with no storage work): Write ${percent(bs.writeGrpcJs.median / bs.nullWrite.median)}, Read ${percent(bs.read.median / bs.nullRead.median)}.`,
    '',
    '### Measurements',
    '',
    '| Measurement | Median | Runs | CPU busy (share of one core): server / benchmark process |',
    '|---|---|---|---|',
    ...[bs.sha256Node, bs.sha256sum, bs.diskWrite, bs.diskWriteFsync, bs.write, bs.writeGrpcJs, bs.read, bs.nullWrite, bs.nullRead].map((m) => row(m, mbps)),
    row(batch.seconds, (s) => `${s.toFixed(2)} s`),
    row(batch.blobsPerSecond, (r) => `${r.toFixed(0)} blobs/s`),
    row(find.latency, ms),
    row(find.clientCodec, ms),
    '',
    `FindMissingBlobs request ${formatBytes(find.requestBytes)}, answer ${formatBytes(find.responseBytes)} of protobuf.`,
    '',
    '### CPU cost (CPU seconds, median per run; steadier than wall time on a shared machine)',
    '',
    '| Work | Server | Benchmark process (client) |',
    '|---|---|---|',
    `| SHA-256 (node:crypto), per GB | – | ${cpuPer(bs.sha256Node.ownCpuSeconds, gigabytes).toFixed(2)} s |`,
    ...[bs.write, bs.writeGrpcJs, bs.read, bs.nullWrite, bs.nullRead].map((m) => `| ${m.name}, per GB | ${cpuPer(m.serverCpuSeconds, gigabytes).toFixed(2)} s | ${cpuPer(m.ownCpuSeconds, gigabytes).toFixed(2)} s |`),
    `| BatchUpdateBlobs, per 1,000 blobs | ${(cpuPer(batch.seconds.serverCpuSeconds, p.batchBlobs) * 1e6).toFixed(0)} ms | ${(cpuPer(batch.seconds.ownCpuSeconds, p.batchBlobs) * 1e6).toFixed(0)} ms |`,
    `| FindMissingBlobs of ${p.findDigests} digests, per call | ${(cpuPer(find.latency.serverCpuSeconds, 1) * 1000).toFixed(0)} ms | ${(cpuPer(find.latency.ownCpuSeconds, 1) * 1000).toFixed(0)} ms |`,
    '',
    `CPU view of the write target: hashing costs ${cpuPer(bs.sha256Node.ownCpuSeconds, gigabytes).toFixed(2)} CPU-s per GB, the server's whole Write path ${cpuPer(bs.write.serverCpuSeconds, gigabytes).toFixed(2)}: were CPU the only limit (a core to itself, an infinitely fast client), the server would write at ${percent(cpuPer(bs.sha256Node.ownCpuSeconds, gigabytes) / cpuPer(bs.write.serverCpuSeconds, gigabytes))} of SHA-256 speed.`,
    '',
    '### Server memory (VmRSS from /proc/<pid>/status)',
    '',
    '| When | RSS |',
    '|---|---|',
    `| idle, 3 s after start, before any call | ${mib(memory.idleRssBytes)} |`,
    ...[...memory.phasePeaks].map(([phase, bytes]) => `| peak sampled during ${phase} | ${mib(bytes)} |`),
    `| peak over the whole run (VmHWM) | ${mib(memory.peakRssBytes)} |`,
    `| idle, 3 s after the last call | ${mib(memory.afterLoadRssBytes)} |`,
  );
  if (report.profile !== undefined) {
    push('', '### Where the server\'s CPU time goes (self time, `--cpu-prof`, during the timed runs only)');
    for (const [phase, summary] of report.profile) {
      const busy = summary.sampledMs - summary.idleMs;
      push(
        '',
        `**${phase}**: ${(summary.sampledMs / 1000).toFixed(2)} s sampled, main thread busy ${percent(busy / Math.max(summary.sampledMs, 1e-9))}.`,
        '',
        '| Function | Self ms | Share of busy |',
        '|---|---|---|',
        ...summary.top.map((f) => `| \`${f.frame}\` | ${f.selfMs.toFixed(0)} | ${percent(f.share)} |`),
      );
    }
  }
  return lines.join('\n');
}

function row(m: Measurement, format: (value: number) => string): string {
  const server = m.serverCpuSeconds.length === 0 ? '–' : percent(median(m.serverCpuSeconds.map((cpu, i) => cpu / m.seconds[i]!)));
  const own = percent(median(m.ownCpuSeconds.map((cpu, i) => cpu / m.seconds[i]!)));
  return `| ${m.name} | ${format(m.median)} | ${m.values.map(format).join(', ')} | ${server} / ${own} |`;
}

/** Median CPU seconds per run divided by `per` (bytes in GB, blobs, calls): what the work costs in CPU. */
function cpuPer(seconds: readonly number[], per: number): number {
  return median(seconds) / per;
}

function verdict(met: boolean, shortfall: string): string {
  return met ? 'yes' : `**no**, ${shortfall}`;
}

function percent(x: number): string {
  return `${(x * 100).toFixed(0)}%`;
}

function mbps(x: number): string {
  return `${x.toFixed(0)} MB/s`;
}

function ms(x: number): string {
  return `${x.toFixed(1)} ms`;
}

function mib(bytes: number): string {
  return `${(bytes / MIB).toFixed(1)} MiB`;
}

function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30 && bytes % 2 ** 30 === 0) return `${bytes / 2 ** 30} GiB`;
  if (bytes >= MIB && bytes % MIB === 0) return `${bytes / MIB} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${bytes} bytes`;
}
