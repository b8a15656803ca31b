import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SHA256 } from '@actiond/digest';
import { DigestFunction_Value, ExecuteResponse } from '@actiond/proto';
import { OperationRegistry } from './operation-registry.ts';

const actionDigest = SHA256.compute(Buffer.from('action'));
const done = ExecuteResponse.fromPartial({ result: { exitCode: 0 } });

describe('OperationRegistry', () => {
  it('names operations operations/<uuid>, each unique, and finds them by name', () => {
    const registry = new OperationRegistry();
    const a = registry.create(actionDigest, DigestFunction_Value.SHA256);
    const b = registry.create(actionDigest, DigestFunction_Value.SHA256);
    assert.match(a.name, /^operations\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(a.name, b.name);
    assert.equal(registry.get(a.name), a);
    assert.equal(registry.get('operations/unknown'), undefined);
  });

  it('keeps a finished operation for the retention time, then forgets it', () => {
    let now = 1_000_000;
    const registry = new OperationRegistry({ retentionMs: 60_000, now: () => now });
    const op = registry.create(actionDigest, DigestFunction_Value.SHA256);
    op.complete(done);
    now += 59_999;
    assert.equal(registry.get(op.name), op);
    now += 1;
    assert.equal(registry.get(op.name), undefined);
    assert.equal(registry.size, 0);
  });

  it('never expires a running operation, however old', () => {
    let now = 0;
    const registry = new OperationRegistry({ retentionMs: 1000, maxFinished: 0, now: () => now });
    const running = registry.create(actionDigest, DigestFunction_Value.SHA256);
    now += 3_600_000;
    registry.create(actionDigest, DigestFunction_Value.SHA256).complete(done);
    assert.equal(registry.get(running.name), running);
  });

  it('keeps at most maxFinished finished operations, dropping the oldest first', () => {
    const registry = new OperationRegistry({ maxFinished: 2 });
    const ops = [1, 2, 3].map(() => registry.create(actionDigest, DigestFunction_Value.SHA256));
    for (const op of ops) op.complete(done);
    assert.equal(registry.get(ops[0]!.name), undefined);
    assert.equal(registry.get(ops[1]!.name), ops[1]);
    assert.equal(registry.get(ops[2]!.name), ops[2]);
  });

  it('rejects negative bounds', () => {
    assert.throws(() => new OperationRegistry({ retentionMs: -1 }), /retentionMs/);
    assert.throws(() => new OperationRegistry({ maxFinished: 1.5 }), /maxFinished/);
  });
});
