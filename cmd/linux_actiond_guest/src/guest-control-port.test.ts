import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GuestControlPort, type ControlPortFile } from './guest-control-port.ts';

/** A control port that plays back `reads` (a string is data, 0 is "nobody connected"), then fails reads with `end`. */
function scriptedPort(reads: readonly (string | 0)[], end = new Error('no more reads scripted')): ControlPortFile & { written: string[]; reads: number } {
  const queue = [...reads];
  const port = {
    written: [] as string[],
    reads: 0,
    read: async (buffer: Buffer) => {
      port.reads++;
      const next = queue.shift();
      if (next === undefined) throw end;
      if (next === 0) return 0;
      return Buffer.from(next).copy(buffer);
    },
    write: async (data: Buffer) => void port.written.push(data.toString()),
  };
  return port;
}

describe('GuestControlPort', () => {
  test('end of file before hello means serve-vm has not connected yet: it keeps reading', async () => {
    const port = scriptedPort([0, 0, '{"type":"hello"}\n', '{"type":"stop","reason":"serve-vm is stopping"}\n']);
    const control = new GuestControlPort({ file: port, idleRetryMs: 1 });
    assert.equal(await control.stopRequested, 'serve-vm asked to stop (serve-vm is stopping)');
    assert.equal(port.reads, 4);
  });

  test('end of file after hello means serve-vm is gone: the guest stops', async () => {
    const control = new GuestControlPort({ file: scriptedPort(['{"type":"hello"}\n{"type":"hel', 'lo"}\n', 0]), idleRetryMs: 1 });
    assert.equal(await control.stopRequested, 'serve-vm closed the control channel (it stopped or was killed)');
  });

  test('a failing read stops the guest with the reason', async () => {
    const control = new GuestControlPort({ file: scriptedPort([], new Error('EIO')), idleRetryMs: 1 });
    assert.equal(await control.stopRequested, 'the control channel failed: EIO');
  });

  test('reports lines that are not control messages and goes on reading', async () => {
    const errors: string[] = [];
    const control = new GuestControlPort({
      file: scriptedPort(['garbage\n{"type":"stop","reason":"r"}\n']),
      onProtocolError: (e) => errors.push(e.message),
    });
    assert.equal(await control.stopRequested, 'serve-vm asked to stop (r)');
    assert.deepEqual(errors, ['control message is not JSON: "garbage"']);
  });

  test('sends messages as lines, in order', async () => {
    const port = scriptedPort(['{"type":"stop","reason":"r"}\n']);
    const control = new GuestControlPort({ file: port });
    await Promise.all([control.send({ type: 'listening', port: 8980 }), control.send({ type: 'stopping', reason: 'r' })]);
    assert.deepEqual(port.written, ['{"type":"listening","port":8980}\n', '{"type":"stopping","reason":"r"}\n']);
  });
});
