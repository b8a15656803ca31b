/**
 * The server's `timings` log (ExecuteResponse.server_logs, rendered by
 * @actiond/execution's renderExecutionTimings) read back into numbers, so
 * the benchmark can report where each Execute's time went on the server.
 */
export interface TimingsLog {
  /** Phase name as the log writes it ("queued", "input materialization", ...) → milliseconds, in log order. */
  readonly phases: ReadonlyMap<string, number>;
  /** The log's own "total" line: the sum of the phases, ms. */
  readonly totalMs: number;
  readonly filesLinked: number;
  readonly bytesLinked: number;
  readonly filesCopied: number;
  readonly bytesCopied: number;
}

const PHASE = /^([a-z][a-z ]*):\s+(\d+(?:\.\d+)?) ms$/;
const COUNT = /^inputs (linked|copied):\s+(\d+) files, (\d+) bytes$/;

/**
 * Parses the log's text: `name: 12.3 ms` lines (the phases, then `total`)
 * and the `inputs linked` / `inputs copied` counts. Throws naming the line
 * that does not fit, or what is missing, so a change of format fails the
 * benchmark rather than silently reporting zeros.
 */
export function parseTimingsLog(text: string): TimingsLog {
  const phases = new Map<string, number>();
  let totalMs: number | undefined;
  const counts = new Map<string, { files: number; bytes: number }>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const count = COUNT.exec(line);
    if (count !== null) {
      counts.set(count[1]!, { files: Number(count[2]), bytes: Number(count[3]) });
      continue;
    }
    const phase = PHASE.exec(line);
    if (phase === null) throw new Error(`timings log line ${JSON.stringify(line)} is neither "phase: N ms" nor "inputs linked|copied: N files, N bytes"`);
    if (phase[1] === 'total') totalMs = Number(phase[2]);
    else phases.set(phase[1]!, Number(phase[2]));
  }
  const linked = counts.get('linked');
  const copied = counts.get('copied');
  if (totalMs === undefined || linked === undefined || copied === undefined || phases.size === 0) {
    throw new Error(`timings log lacks its phases, "total", "inputs linked" or "inputs copied" line: ${JSON.stringify(text)}`);
  }
  return { phases, totalMs, filesLinked: linked.files, bytesLinked: linked.bytes, filesCopied: copied.files, bytesCopied: copied.bytes };
}
