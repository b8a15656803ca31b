import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAbOptions } from './execute-ab-options.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DEFAULTS = { rounds: 10, runs: 30 };

test('two checkouts and the defaults, or the rounds and runs given', () => {
  assert.deepEqual(parseAbOptions([REPO, REPO], DEFAULTS), { checkouts: [REPO, REPO], rounds: 10, runs: 30 });
  assert.deepEqual(parseAbOptions([REPO, '--rounds=3', join(REPO, 'bench', '..'), '--runs=7'], DEFAULTS), { checkouts: [REPO, REPO], rounds: 3, runs: 7 });
  assert.equal(parseAbOptions(['--help'], DEFAULTS), 'help');
});

test('anything but two checkouts of this repository, or a bad count, is refused naming it', () => {
  assert.throws(() => parseAbOptions([REPO], DEFAULTS), /expected two checkouts, A and B, got 1/);
  assert.throws(() => parseAbOptions([REPO, '/tmp'], DEFAULTS), /\/tmp is not a checkout of this repository/);
  assert.throws(() => parseAbOptions([REPO, REPO, '--rounds=0'], DEFAULTS), /--rounds must be a positive integer, got "0"/);
  assert.throws(() => parseAbOptions([REPO, REPO, '--runs=x'], DEFAULTS), /--runs must be a positive integer, got "x"/);
  assert.throws(() => parseAbOptions([REPO, REPO, '--jobs=2'], DEFAULTS), /Unknown option '--jobs'/);
});
