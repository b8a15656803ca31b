import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../vm/repo-paths.ts';
import { checkElfArch } from './elf-arch-check.ts';
import { standaloneArch } from './standalone-arch.ts';

const HELPER = join(REPO_ROOT, 'services/sandbox-runner/build/Release/actiond-sandbox');
const host = standaloneArch(process.arch === 'arm64' ? 'aarch64' : 'x86_64');
const other = standaloneArch(host.name === 'x86_64' ? 'aarch64' : 'x86_64');

test('the static helper built here passes for this CPU', async () => {
  await checkElfArch(HELPER, host, 'static', 'actiond-sandbox');
});

test('a binary for the other CPU is refused, naming both machines', async () => {
  await assert.rejects(
    checkElfArch(HELPER, other, 'any', 'actiond-sandbox'),
    new RegExp(`^Error: actiond-sandbox \\(${HELPER}\\) is for ELF machine ${host.info.elfMachine}, not ${other.name} \\(${other.info.elfMachine}\\)$`),
  );
});

test('a dynamically linked program is refused where a static one is required', async () => {
  await checkElfArch('/bin/sh', host, 'any', 'sh');
  await assert.rejects(checkElfArch('/bin/sh', host, 'static', 'sh'), /^Error: sh \(\/bin\/sh\) is dynamically linked \(interpreter \/lib.*\); it must be static$/);
});

test('a file that is not ELF is refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'actiond-elf-check-'));
  try {
    await writeFile(join(dir, 'script'), '#!/bin/sh\n');
    await assert.rejects(checkElfArch(join(dir, 'script'), host, 'any', 'helper'), /helper \(.*\/script\): not an ELF file/);
  } finally {
    await rm(dir, { recursive: true });
  }
});
