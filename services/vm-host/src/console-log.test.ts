import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConsoleLog, RECENT_CONSOLE_LINES } from './console-log.ts';

describe('ConsoleLog', () => {
  const dir = mkdtempSync(join(tmpdir(), 'console-log-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('follows what the hypervisor appends after its header, line by line, without the serial \\r', async () => {
    const path = join(dir, 'follow.log');
    appendFileSync(path, 'an earlier boot\n');
    const log = new ConsoleLog(path, 'QEMU pid 1');
    const lines: string[] = [];
    log.onLine((line) => lines.push(line));
    appendFileSync(path, 'actiond-init: starting\r\nactiond-init: mou');
    await new Promise((r) => setTimeout(r, 120));
    appendFileSync(path, 'nted\r\n');
    log.close();
    assert.deepEqual(lines, ['actiond-init: starting', 'actiond-init: mounted']);
    assert.match(readFileSync(path, 'utf8'), /^an earlier boot\n==== \S+ QEMU pid 1\nactiond-init: starting/);
  });

  test('close() reads what is left, the last partial line included', () => {
    const path = join(dir, 'close.log');
    const log = new ConsoleLog(path, 'h');
    appendFileSync(path, 'reboot: Power down');
    log.close();
    assert.deepEqual(log.recent(), ['reboot: Power down']);
  });

  test('keeps only the last lines for error messages', () => {
    const path = join(dir, 'recent.log');
    const log = new ConsoleLog(path, 'h');
    appendFileSync(path, Array.from({ length: RECENT_CONSOLE_LINES + 5 }, (_, i) => `line ${i}\n`).join(''));
    const recent = log.recent();
    assert.equal(recent.length, RECENT_CONSOLE_LINES);
    assert.equal(recent.at(-1), `line ${RECENT_CONSOLE_LINES + 4}`);
    log.close();
  });

  test('notes of the host go into the file as ==== lines', () => {
    const path = join(dir, 'note.log');
    const log = new ConsoleLog(path, 'h');
    log.note('killed by serve-vm');
    log.close();
    assert.match(readFileSync(path, 'utf8'), /\n==== killed by serve-vm\n$/);
  });
});
