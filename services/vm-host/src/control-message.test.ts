import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ControlLineSplitter, MAX_CONTROL_LINE_BYTES, formatControlMessage, parseControlMessage, type ControlMessage } from './control-message.ts';

describe('control messages', () => {
  test('every message round-trips as one line', () => {
    const messages: ControlMessage[] = [
      { type: 'hello' },
      { type: 'stop', reason: 'serve-vm is stopping' },
      { type: 'listening', port: 8980 },
      { type: 'stopping', reason: 'SIGTERM from init' },
    ];
    for (const message of messages) {
      const line = formatControlMessage(message);
      assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
      assert.deepEqual(parseControlMessage(line.slice(0, -1)), message);
    }
  });

  test('rejects lines that are not JSON, unknown types and malformed fields', () => {
    assert.throws(() => parseControlMessage('hello'), /control message is not JSON/);
    assert.throws(() => parseControlMessage('{"type":"reboot"}'), /unknown or malformed control message/);
    assert.throws(() => parseControlMessage('{"type":"listening","port":0}'), /unknown or malformed control message/);
    assert.throws(() => parseControlMessage('{"type":"stop"}'), /unknown or malformed control message/);
  });

  test('the splitter joins lines across chunks, multi-byte characters included, and skips empty lines', () => {
    const lines: string[] = [];
    const splitter = new ControlLineSplitter((line) => lines.push(line));
    const bytes = Buffer.from('{"a":"é"}\n\n{"b":1}\n{"c"');
    // Split inside the two-byte é.
    const cut = bytes.indexOf(0xc3) + 1;
    splitter.push(bytes.subarray(0, cut));
    splitter.push(bytes.subarray(cut));
    assert.deepEqual(lines, ['{"a":"é"}', '{"b":1}']);
    splitter.push(':2}\n');
    assert.deepEqual(lines.at(-1), '{"c":2}');
  });

  test('the splitter refuses a line longer than the limit instead of buffering without end', () => {
    const splitter = new ControlLineSplitter(() => undefined);
    assert.throws(() => splitter.push('x'.repeat(MAX_CONTROL_LINE_BYTES + 1)), /longer than 4096 bytes/);
  });
});
