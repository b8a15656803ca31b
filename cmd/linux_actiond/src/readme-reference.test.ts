import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { defineCli, parseCommandLine } from '@actiond/cli';
import { PLATFORM_PROPERTY_NAMES } from '@actiond/sandbox-runner';
import { linuxActiondCli } from './command-line.ts';
import { serveVmCommand } from './serve-vm-flags.ts';

// README.md promises "every flag and execution property"; these tests keep
// that promise when a flag or property is added without its documentation.

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const cli = defineCli({ ...linuxActiondCli, commands: { ...linuxActiondCli.commands, 'serve-vm': serveVmCommand } });

function flagsOf(command: string): string[] {
  const parsed = parseCommandLine(cli, [command, '--help']);
  assert.equal(parsed.kind, 'help', `${command} --help did not parse as help`);
  const flags = [...(parsed.kind === 'help' ? parsed.text : '').matchAll(/^\s+(--[a-z0-9-]+)/gm)].map((m) => m[1]!);
  assert.ok(flags.length > 3, `found only ${flags.length} flags in ${command} --help`);
  return [...new Set(flags)];
}

for (const command of ['serve', 'serve-vm']) {
  test(`README.md documents every flag of ${command}`, () => {
    const missing = flagsOf(command).filter((flag) => !README.includes(`\`${flag}`));
    assert.deepEqual(missing, [], `README.md lacks ${missing.join(', ')}`);
  });
}

test('README.md documents every execution property the sandbox accepts', () => {
  // The first cell of a table row names the property (one row may name two).
  const firstCells = README.split('\n').filter((line) => line.startsWith('| `')).map((line) => line.split('|')[1]!);
  const missing = PLATFORM_PROPERTY_NAMES.filter((name) => !firstCells.some((cell) => cell.includes(`\`${name}\``)));
  assert.deepEqual(missing, [], `README.md's property table lacks ${missing.join(', ')}`);
});
