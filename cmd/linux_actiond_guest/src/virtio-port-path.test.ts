import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { virtioPortPath } from './virtio-port-path.ts';

describe('virtioPortPath', () => {
  let sys: string;
  before(async () => {
    sys = await mkdtemp(join(tmpdir(), 'virtio-ports-'));
    for (const [port, name] of [['vport1p1', 'org.other'], ['vport2p1', 'actiond.control']] as const) {
      await mkdir(join(sys, port));
      await writeFile(join(sys, port, 'name'), `${name}\n`);
    }
    await mkdir(join(sys, 'vport0p0')); // a console port: no name file
  });
  after(() => rm(sys, { recursive: true, force: true }));

  test('finds the device node of the port with that name', async () => {
    assert.equal(await virtioPortPath('actiond.control', sys, '/dev'), '/dev/vport2p1');
  });

  test('names the ports present when none has the name', async () => {
    await assert.rejects(virtioPortPath('nope', sys), /no virtio-serial port named 'nope' \(present: vport1p1 \(org\.other\), vport2p1 \(actiond\.control\)\)/);
  });

  test('says when there is no virtio-serial device at all', async () => {
    await assert.rejects(virtioPortPath('actiond.control', join(sys, 'missing')), /does not exist \(no virtio-serial device attached\)/);
  });
});
