import type { Digest, DigestFunction } from '@actiond/digest';
import type { LogFile } from '@actiond/proto';

/**
 * Where the wall time of one execution went, filled in as it happens: the
 * queue records `queuedMs`, the executor that runs the action records the
 * rest. One record per run (merged requests share the run's), rendered once
 * into `ExecuteResponse.server_logs[TIMINGS_LOG_NAME]` by
 * {@link storeTimingsLog}, so every side reads and writes one format.
 *
 * All durations are milliseconds (fractions allowed); a phase that did not
 * happen stays 0. Fields are mutable on purpose: the record travels inside
 * the ExecuteTask and each stage adds its part.
 */
export interface ExecutionTimings {
  /** Waiting for a free job slot in the scheduler's queue. */
  queuedMs: number;
  /** Fetching and laying out the input root (links, copies, lazy mounts). */
  inputMaterializationMs: number;
  /** Preparing the sandbox before the command starts (mount plan, namespaces, cgroup). */
  sandboxSetupMs: number;
  /** The command itself, measured by the clock that enforces the timeout. */
  runMs: number;
  /** Hashing and storing outputs, stdout and stderr in the CAS. */
  outputUploadMs: number;
  /** Input files made available without copying their bytes (hard links, bind mounts). */
  filesLinked: number;
  /** Bytes of the linked input files. */
  bytesLinked: number;
  /** Input files whose bytes were copied. */
  filesCopied: number;
  /** Bytes of the copied input files. */
  bytesCopied: number;
}

/** The key of the timings log in `ExecuteResponse.server_logs`. */
export const TIMINGS_LOG_NAME = 'timings';

/** A record with every phase at zero, for a new ExecuteTask. */
export function createExecutionTimings(): ExecutionTimings {
  return {
    queuedMs: 0,
    inputMaterializationMs: 0,
    sandboxSetupMs: 0,
    runMs: 0,
    outputUploadMs: 0,
    filesLinked: 0,
    bytesLinked: 0,
    filesCopied: 0,
    bytesCopied: 0,
  };
}

const PHASES: readonly (readonly [keyof ExecutionTimings, string])[] = [
  ['queuedMs', 'queued'],
  ['inputMaterializationMs', 'input materialization'],
  ['sandboxSetupMs', 'sandbox setup'],
  ['runMs', 'run'],
  ['outputUploadMs', 'output upload'],
];

/**
 * The record as text for people, one `name: value` line per phase and
 * count, aligned, durations in milliseconds with one decimal and a total:
 *
 *     queued:                     12.0 ms
 *     ...
 *     total:                     210.5 ms
 *     inputs linked:         3 files, 4096 bytes
 *     inputs copied:         0 files, 0 bytes
 *
 * Throws a RangeError naming the field when a value is negative or not a
 * finite number: a broken clock or counter should be seen, not rendered.
 */
export function renderExecutionTimings(timings: ExecutionTimings): string {
  for (const [key, value] of Object.entries(timings)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new RangeError(`ExecutionTimings.${key} must be a finite number >= 0, got ${String(value)}`);
    }
  }
  const total = PHASES.reduce((sum, [key]) => sum + timings[key], 0);
  const rows: [string, string][] = [
    ...PHASES.map(([key, label]): [string, string] => [label, `${timings[key].toFixed(1)} ms`]),
    ['total', `${total.toFixed(1)} ms`],
    ['inputs linked', `${timings.filesLinked} files, ${timings.bytesLinked} bytes`],
    ['inputs copied', `${timings.filesCopied} files, ${timings.bytesCopied} bytes`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 1;
  return rows.map(([label, value]) => `${`${label}:`.padEnd(width)} ${value.padStart(12)}`).join('\n') + '\n';
}

/**
 * Where {@link storeTimingsLog} puts the log: the server's in-memory log
 * tier (@actiond/blobstore's MemoryLogBlobStore, read back through the CAS
 * services), or any BlobAccess.
 */
export interface LogBlobStore {
  readonly digestFunction: DigestFunction;
  put(digest: Digest, data: Uint8Array): Promise<void>;
}

/**
 * Renders `timings` (see {@link renderExecutionTimings}), stores the text in
 * `store` under its digest and returns the LogFile to put in
 * `ExecuteResponse.server_logs[TIMINGS_LOG_NAME]`. Rejects with the store's
 * error when the put fails.
 */
export async function storeTimingsLog(store: LogBlobStore, timings: ExecutionTimings): Promise<LogFile> {
  const text = Buffer.from(renderExecutionTimings(timings), 'utf8');
  const digest = store.digestFunction.compute(text);
  await store.put(digest, text);
  return { digest: { hash: digest.hash, sizeBytes: digest.sizeBytes }, humanReadable: true };
}
