import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { HostControlChannel } from './host-control-channel.ts';

describe('HostControlChannel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'control-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('connects once the far end exists, says hello, delivers messages and sends stop', async () => {
    const path = join(dir, 'a.sock');
    const ended = new AbortController();
    const channel = new HostControlChannel({ connect: () => connect(path), signal: ended.signal, retryMs: 5 });
    const opened = channel.open();
    // The hypervisor creates its end a moment later.
    await new Promise((r) => setTimeout(r, 30));
    const guest = await new Promise<Socket>((resolve) => {
      const server = createServer((socket) => {
        server.close();
        resolve(socket);
      });
      server.listen(path);
    });
    await opened;
    let received = '';
    guest.on('data', (d: Buffer) => (received += d.toString()));
    const listening = channel.waitFor('listening', new AbortController().signal);
    guest.write('{"type":"listening","port":8980}\n');
    assert.deepEqual(await listening, { type: 'listening', port: 8980 });
    assert.equal(channel.requestStop('serve-vm is stopping'), true);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(received, '{"type":"hello"}\n{"type":"stop","reason":"serve-vm is stopping"}\n');
    channel.close();
    guest.destroy();
  });

  test('reports lines that are not control messages and keeps going', async () => {
    const path = join(dir, 'b.sock');
    const errors: string[] = [];
    let guest!: Socket;
    const server = createServer((s) => (guest = s));
    await new Promise<void>((r) => server.listen(path, r));
    const channel = new HostControlChannel({ connect: () => connect(path), signal: new AbortController().signal, onProtocolError: (e) => errors.push(e.message) });
    await channel.open();
    const stopping = channel.waitFor('stopping', new AbortController().signal);
    await new Promise((r) => setTimeout(r, 20));
    guest.write('not json\n{"type":"stopping","reason":"SIGTERM from init"}\n');
    assert.equal((await stopping).reason, 'SIGTERM from init');
    assert.deepEqual(errors, ['control message is not JSON: "not json"']);
    channel.close();
    guest.destroy();
    server.close();
  });

  test('stops retrying when the VM ends before its end exists, and waiting rejects on abort', async () => {
    const ended = new AbortController();
    const channel = new HostControlChannel({ connect: () => connect(join(dir, 'never.sock')), signal: ended.signal, retryMs: 5 });
    const opened = channel.open();
    const waiting = assert.rejects(channel.waitFor('listening', ended.signal), /the VM has ended/);
    ended.abort(new Error('the VM has ended'));
    await assert.rejects(opened, /the VM has ended/);
    await waiting;
    assert.equal(channel.requestStop('x'), false);
  });
});
