import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseCommandLine } from '@actiond/cli';
import { linuxActiondCli } from './command-line.ts';
import { serve } from './serve.ts';

// Whoever starts the server (tools/e2e.sh, main.test.ts, an init system)
// waits for the line naming the address, then may send SIGTERM at once. The
// handler must already be there: if it is installed after the line, a
// server descheduled in between dies of the signal's default action (exit
// by signal, no clean shutdown), as main.test.ts saw on a loaded machine.
// Here the signal is sent while the line is being written, the earliest a
// reader could react; without a handler in place it kills this process.

test('SIGTERM sent as soon as the address is announced stops the server cleanly', async () => {
  const root = await mkdtemp(join(tmpdir(), 'actiond-stop-signal-'));
  try {
    const parsed = parseCommandLine(linuxActiondCli, ['serve', '--listen=127.0.0.1:0', `--root=${root}`, '--no-execution']);
    if (parsed.kind !== 'run') throw new Error(`unexpected command line result ${parsed.kind}`);
    const lines: string[] = [];
    const log = (line: string): void => {
      lines.push(line);
      if (line.includes('serving REAPI on')) process.kill(process.pid, 'SIGTERM');
    };
    assert.equal(await serve(parsed.flags, { env: {}, log }), 0);
    assert.ok(lines.includes('linux-actiond: SIGTERM received, stopping'), lines.join('\n'));
    assert.equal(process.listenerCount('SIGTERM'), 0, 'the handler is removed once it fired');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
