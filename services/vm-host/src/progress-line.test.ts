import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProgressLine } from './progress-line.ts';

function capture(isTTY: boolean) {
  const out = { isTTY, text: '', write: (t: string) => (out.text += t) };
  return out;
}

describe('ProgressLine', () => {
  test('off a terminal each new status is one plain line, repeats are dropped', () => {
    const out = capture(false);
    const line = new ProgressLine(out, 'serve-vm: booting');
    line.update('init');
    line.update('init');
    line.print('vm: a guest line');
    line.update('ready');
    line.done();
    assert.match(out.text, /^serve-vm: booting: init \(\d+\.\d s\)\nvm: a guest line\nserve-vm: booting: ready \(\d+\.\d s\)\n$/);
    assert.ok(!out.text.includes('\r'));
  });

  test('on a terminal the status is redrawn in place, log lines go above it, and done() clears it', () => {
    const out = capture(true);
    const line = new ProgressLine(out, 'serve-vm: booting');
    line.update('init');
    line.print('vm: a guest line');
    line.done();
    assert.match(out.text, /^\r\x1b\[Kserve-vm: booting: init \(\d+\.\d s\)\r\x1b\[Kvm: a guest line\n\r\x1b\[Kserve-vm: booting: init \(\d+\.\d s\)\r\x1b\[K$/);
  });
});
