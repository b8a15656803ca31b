/**
 * `pnpm bench:cache`: the cache benchmarks of bench/README.md against the
 * real linux-actiond, started as a child process on a fresh --root in a
 * temp directory. Reads like its steps: start the server, let it settle
 * and read its idle memory, measure ByteStream against the machine's
 * limits, BatchUpdateBlobs, FindMissingBlobs, stop the server, report.
 * Bounded by --max-minutes; removes its temp directory (blobs included)
 * however it ends.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { runBatchUpdateBenchmark } from './src/batch-update-benchmark.ts';
import { runByteStreamBenchmark } from './src/byte-stream-benchmark.ts';
import { blockMarkers, formatReport, type CacheBenchReport } from './src/cache-bench-report.ts';
import { parseCacheBenchOptions, USAGE, type CacheBenchOptions } from './src/cache-bench-options.ts';
import { CacheClient } from './src/cache-client.ts';
import { RawWriteClient } from './src/raw-write-client.ts';
import { profileCovers, summarizeProfile, type CpuProfile, type ProfileSummary } from './src/cpu-profile-summary.ts';
import { runFindMissingBenchmark } from './src/find-missing-benchmark.ts';
import { CHUNK_BYTES } from './src/large-blob.ts';
import { describeMachine } from './src/machine-description.ts';
import type { Measurement } from './src/measurement.ts';
import { mountsInside, readMounts } from './src/mount-table.ts';
import { readProcessMemory } from './src/process-memory.ts';
import { RssSampler } from './src/rss-sampler.ts';
import { writeResultsBlock } from './src/results-block.ts';
import { ServerProcess } from './src/server-process.ts';
import { parseServeScript } from './src/serve-script.ts';
import { makeSmallBlobs, packBatches } from './src/small-blobs.ts';
import { median } from './src/statistics.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The server is started as `pnpm serve` starts it: the same script, Node flags and arguments. */
const SERVE = parseServeScript(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).scripts.serve);
const SERVER_MAIN = join(REPO, SERVE.script);
const NULL_SERVER = join(REPO, 'bench/src/null-byte-stream-server.ts');
const RESULTS = join(REPO, 'bench/RESULTS.md');
const BATCH_BLOB_BYTES = 1024;
/** How long the server is left alone before its idle memory is read. */
const SETTLE_MS = 3_000;
/** VmRSS sampling period during the load. */
const SAMPLE_MS = 50;

function progress(line: string): void {
  process.stderr.write(`[bench:cache] ${line}\n`);
}

/** Median VmRSS of a few samples taken over a second. */
async function settledRss(pid: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(readProcessMemory(pid).rssBytes);
    await sleep(250);
  }
  return median(samples);
}

/** Refuses to start when the blobs cannot fit: the rounds' blobs stay in the CAS until the end. */
function checkFreeSpace(directory: string, options: CacheBenchOptions): void {
  const stats = statfsSync(directory);
  const free = stats.bavail * stats.bsize;
  const needed = (options.runs + 2) * options.blobMib * 1024 * 1024;
  if (free < needed) {
    throw new Error(`${directory} has ${(free / 2 ** 30).toFixed(1)} GiB free; ${options.runs} rounds of ${options.blobMib} MiB need about ${(needed / 2 ** 30).toFixed(1)} GiB (lower --runs or --blob-mib)`);
  }
}

/**
 * Which code was measured: the commit, and whether the server's sources
 * (cmd/, services/, libs/) had uncommitted changes, since colleagues work
 * in the same checkout.
 */
function describeCode(): string {
  const git = (...args: string[]): string | undefined => {
    const result = spawnSync('git', ['-C', REPO, ...args], { encoding: 'utf8' });
    return result.status === 0 ? result.stdout.trim() : undefined;
  };
  const commit = git('rev-parse', '--short', 'HEAD');
  if (commit === undefined) return 'unknown (not a git checkout)';
  const changed = git('status', '--porcelain', '--untracked-files=no', '--', 'cmd', 'services', 'libs')?.split('\n').filter((l) => l !== '') ?? [];
  return changed.length === 0 ? `commit ${commit}` : `commit ${commit} with uncommitted changes to ${changed.length} server source files`;
}

/**
 * Removes the benchmark's temp directory, blobs included. A server killed
 * before it could clean up may have left its runtime images mounted under
 * its root: those mounts are the benchmark's own leftovers and are
 * unmounted first. Never throws (it runs from the 'exit' handler); says
 * what it could not remove.
 */
function removeWorkDirectory(work: string): void {
  for (const mountPoint of mountsInside(realpathSync(work), readMounts())) {
    const result = spawnSync('umount', [mountPoint], { encoding: 'utf8' });
    if (result.status !== 0) spawnSync('umount', ['-l', mountPoint]);
  }
  try {
    rmSync(work, { recursive: true, force: true });
  } catch (err) {
    process.stderr.write(`bench:cache: could not remove ${work}: ${(err as Error).message}; remove it by hand\n`);
  }
}

/** The server's profile cut to each server-side measurement's timed runs. */
function profileByPhase(directory: string, measurements: readonly Measurement[]): Map<string, ProfileSummary> {
  const file = readdirSync(directory).find((name) => name.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`the server wrote no .cpuprofile into ${directory}`);
  const profile = JSON.parse(readFileSync(join(directory, file), 'utf8')) as CpuProfile;
  const phases = new Map<string, ProfileSummary>();
  for (const m of measurements) {
    if (!profileCovers(profile, m.intervals)) {
      throw new Error(`the server's profile (${profile.startTime}..${profile.endTime} µs) does not cover the timed runs of ${m.name}: its clock is not this process's monotonic clock`);
    }
    phases.set(m.name, summarizeProfile(profile, m.intervals, REPO));
  }
  return phases;
}

async function run(options: CacheBenchOptions, work: string, onServer: (server: ServerProcess) => void): Promise<CacheBenchReport> {
  const startedAt = Date.now();
  const date = new Date(startedAt).toISOString().replace(/\.\d+Z$/, 'Z');
  const machine = describeMachine(work);
  const code = describeCode();
  checkFreeSpace(work, options);
  const scratch = join(work, 'scratch');
  const profileDirectory = options.profile ? join(work, 'profile') : undefined;
  mkdirSync(scratch);
  if (profileDirectory !== undefined) mkdirSync(profileDirectory);

  progress(`starting ${[...SERVE.nodeFlags, SERVER_MAIN, ...SERVE.args].join(' ')} on ${join(work, 'root')}${options.profile ? ' under --cpu-prof' : ''}`);
  const server = await ServerProcess.start({
    script: SERVER_MAIN,
    nodeFlags: SERVE.nodeFlags,
    args: [...SERVE.args, '--listen=127.0.0.1:0', `--root=${join(work, 'root')}`],
    ...(profileDirectory ? { cpuProfileDirectory: profileDirectory } : {}),
  });
  onServer(server);
  const sampler = new RssSampler(server.pid);
  const client = new CacheClient(server.address);
  const rawWriteClient = new RawWriteClient(server.address);
  let nullServer: ServerProcess | undefined;
  let nullClient: CacheClient | undefined;
  try {
    await sleep(SETTLE_MS);
    const idleRssBytes = await settledRss(server.pid);
    nullServer = await ServerProcess.start({ script: NULL_SERVER, args: [] });
    onServer(nullServer);
    nullClient = new CacheClient(nullServer.address);
    sampler.start(SAMPLE_MS);

    const capabilities = await client.getCapabilities(30_000);
    const advertised = capabilities.cacheCapabilities?.maxBatchTotalSizeBytes ?? 0;
    // 0 means "no limit" in REAPI; then batch like a client with gRPC's default 4 MiB message limit.
    const maxBatchTotalSizeBytes = advertised > 0 ? advertised : 4 * 1024 * 1024 - 64 * 1024;

    const byteStream = await runByteStreamBenchmark({
      client, rawWriteClient, serverPid: server.pid, sampler, blobBytes: options.blobMib * 1024 * 1024, runs: options.runs, scratchDirectory: scratch, progress,
      nullServer: { client: nullClient, pid: nullServer.pid },
    });
    nullClient.close();
    await nullServer.stop();
    const batch = await runBatchUpdateBenchmark({
      client, serverPid: server.pid, sampler, blobCount: options.batchBlobs, blobBytes: BATCH_BLOB_BYTES, maxBatchTotalSizeBytes, runs: options.runs, progress,
    });

    // FindMissingBlobs asks for half present digests: the batch runs' blobs, topped up untimed if too few.
    const present = [...batch.stored];
    const shortfall = options.findDigests / 2 - present.length;
    if (shortfall > 0) {
      progress(`uploading ${shortfall} more blobs (untimed) so half of FindMissingBlobs' digests are present`);
      const extra = makeSmallBlobs(shortfall, BATCH_BLOB_BYTES, 'find-extra');
      for (const request of packBatches(extra, maxBatchTotalSizeBytes)) await client.batchUpdateBlobs(request, 60_000);
      present.push(...extra.map((b) => b.digest));
    }
    const find = await runFindMissingBenchmark({ client, serverPid: server.pid, sampler, present, digestCount: options.findDigests, runs: options.findRuns, progress });

    sampler.stop();
    await sleep(SETTLE_MS);
    const afterLoadRssBytes = await settledRss(server.pid);
    const peakRssBytes = readProcessMemory(server.pid).peakRssBytes;
    client.close();
    rawWriteClient.close();
    progress(`stopping the server: ${await server.stop()}`);

    const profile = profileDirectory === undefined ? undefined : profileByPhase(profileDirectory, [byteStream.write, byteStream.read, batch.seconds, find.latency]);
    return {
      date,
      code,
      machine,
      parameters: {
        blobBytes: options.blobMib * 1024 * 1024, chunkBytes: CHUNK_BYTES, runs: options.runs,
        batchBlobs: options.batchBlobs, batchBlobBytes: BATCH_BLOB_BYTES, findDigests: options.findDigests, findRuns: options.findRuns,
      },
      maxBatchTotalSizeBytes,
      byteStream,
      batch,
      find,
      memory: { idleRssBytes, afterLoadRssBytes, phasePeaks: sampler.peaks, peakRssBytes },
      ...(profile ? { profile } : {}),
      totalSeconds: (Date.now() - startedAt) / 1000,
    };
  } catch (err) {
    // A dead server explains the failure better than the RPC error does; its
    // exit may be noticed a moment after the broken connection.
    await server.exitsWithin(1_000);
    server.checkAlive();
    throw err;
  } finally {
    sampler.stop();
    client.close();
    rawWriteClient.close();
    nullClient?.close();
    await nullServer?.stop();
    await server.stop();
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let options: CacheBenchOptions | 'help';
  try {
    options = parseCacheBenchOptions(argv);
  } catch (err) {
    process.stderr.write(`bench:cache: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  // Same filesystem as a CAS under the default temp directory would use; removed however the run ends.
  const work = mkdtempSync(join(tmpdir(), 'actiond-cache-bench-'));
  const servers: ServerProcess[] = [];
  let cleaned = false;
  let abandoned = false;
  const cleanUp = (): void => {
    if (cleaned) return;
    cleaned = true;
    for (const server of servers) server.killNow();
    removeWorkDirectory(work);
  };
  // Interrupted or out of time: let the servers stop as they would (linux-actiond
  // unmounts its runtime images on SIGTERM), then remove everything and exit.
  const abandon = (why: string, code: number): void => {
    if (abandoned) return;
    abandoned = true;
    process.stderr.write(`bench:cache: ${why}; stopping\n`);
    void Promise.all(servers.map((server) => server.stop(10_000))).finally(() => {
      cleanUp();
      process.exit(code);
    });
  };
  process.once('exit', cleanUp);
  process.once('SIGINT', () => abandon('SIGINT', 128 + 2));
  process.once('SIGTERM', () => abandon('SIGTERM', 128 + 15));
  const watchdog = setTimeout(() => abandon(`still running after --max-minutes=${options.maxMinutes}`, 1), options.maxMinutes * 60_000);
  watchdog.unref();

  try {
    const report = await run(options, work, (server) => servers.push(server));
    const text = formatReport(report);
    process.stdout.write(`\n${text}\n`);
    if (options.writeResults) {
      writeResultsBlock(RESULTS, blockMarkers(options.profile), text);
      progress(`updated ${RESULTS}`);
    }
    return 0;
  } catch (err) {
    // While abandoning, calls fail because the servers are stopping: not worth reporting.
    if (!abandoned) process.stderr.write(`bench:cache: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    clearTimeout(watchdog);
    if (!abandoned) cleanUp(); // otherwise abandon() cleans up once the servers have stopped
  }
}

process.exitCode = await main(process.argv.slice(2));
