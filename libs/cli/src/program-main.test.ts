import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { command, defineCli } from './cli-spec.ts';
import { valueFlag } from './flag.ts';
import { EXIT_USAGE, runProgram } from './program-main.ts';

const cli = defineCli({
  name: 'tool',
  version: '0.0.1',
  description: 'A test program.',
  commands: {
    serve: command({ description: 'Serve.', flags: { root: valueFlag(z.string(), { description: 'State directory', default: '/tmp/x' }) } }),
  },
});

function capture(): { output: { stdout: { write(t: string): void }; stderr: { write(t: string): void } }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { output: { stdout: { write: (t) => out.push(t) }, stderr: { write: (t) => err.push(t) } }, out, err };
}

test('help and version print to stdout, exit 0, and run nothing', async () => {
  for (const argv of [['--help'], ['--version'], ['serve', '--help']]) {
    const { output, out, err } = capture();
    const code = await runProgram(cli, argv, async () => assert.fail('must not run'), output);
    assert.equal(code, 0);
    assert.ok(out.join('').length > 0);
    assert.deepEqual(err, []);
  }
});

test('a bad command line prints the error and its hint to stderr and exits EXIT_USAGE', async () => {
  const { output, out, err } = capture();
  const code = await runProgram(cli, ['serve', '--nope'], async () => assert.fail('must not run'), output);
  assert.equal(code, EXIT_USAGE);
  assert.deepEqual(out, []);
  assert.match(err.join(''), /--nope[\s\S]*\n.*--help/);
});

test("pnpm's -- after the command is dropped, and the command's status is returned", async () => {
  const { output } = capture();
  const code = await runProgram(
    cli,
    ['serve', '--', '--root=/srv'],
    async (parsed) => {
      assert.equal(parsed.flags.root, '/srv');
      return 7;
    },
    output,
  );
  assert.equal(code, 7);
});
