import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

// Black-box tests of the linux-actiond process: what an operator sees on the
// terminal and in exit codes.

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(args: string[]): { child: ChildProcess; output: () => { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, output: () => ({ stdout, stderr }) };
}

async function run(args: string[]): Promise<Exit> {
  const { child, output } = start(args);
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, ...output() };
}

async function waitForLine(child: ChildProcess, output: () => { stderr: string }, pattern: RegExp): Promise<RegExpExecArray> {
  for (;;) {
    const match = pattern.exec(output().stderr);
    if (match) return match;
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before printing ${pattern}: ${output().stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('linux-actiond', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'actiond-main-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('--help lists serve and its flags, and exits 0', async () => {
    const result = await run(['serve', '--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /--listen/);
    assert.match(result.stdout, /--root/);
  });

  test('--version prints the version and exits 0', async () => {
    const result = await run(['--version']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^linux-actiond \d+\.\d+\.\d+/);
  });

  test('a malformed flag value exits 2 with a one-line reason naming the flag', async () => {
    const result = await run(['serve', '--listen=nonsense']);
    assert.equal(result.code, 2);
    assert.match(result.stderr.split('\n')[0]!, /--listen: expected HOST:PORT, got "nonsense"/);
  });

  test('an unknown flag exits 2 naming it', async () => {
    const result = await run(['serve', '--no-such-flag=1']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--no-such-flag/);
  });

  test('a port in use exits 1 with a one-line reason naming the address', async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = await run(['serve', `--listen=127.0.0.1:${port}`, `--root=${root}`]);
      assert.equal(result.code, 1);
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0]!, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}`));
    } finally {
      blocker.close();
    }
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`prints its address when listening and stops cleanly on ${signal}`, async () => {
      const { child, output } = start(['serve', '--listen', '127.0.0.1:0', '--root', root]);
      const match = await waitForLine(child, output, /serving REAPI on 127\.0\.0\.1:(\d+)/);
      assert.ok(Number(match[1]) > 0);
      child.kill(signal);
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0, output().stderr);
      assert.match(output().stderr, /stopped/);
    });
  }
});

test('pnpm serve -- FLAGS reaches serve with its flags', async () => {
  const result = await run(['serve', '--', '--listen=nonsense']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--listen: expected HOST:PORT/);
});
