import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { ExistenceIndexLookup } from '@actiond/blobstore';
import { SHA256 } from '@actiond/digest';
import { FindMissingBlobsRequest, FindMissingBlobsResponse } from '@actiond/proto';
import { findMissingOnWire } from './find-missing-blobs-wire.ts';
import { FindMissingBlobsWireRequest } from './find-missing-blobs-wire-request.ts';

const hashOf = (text: string): string => createHash('sha256').update(text).digest('hex');
const EMPTY = SHA256.emptyDigest;

/** A store holding exactly the `hash/size` keys given, answering from a Set as an index would. */
function storeOf(keys: Iterable<string>): ExistenceIndexLookup {
  const held = new Set(keys);
  return {
    digestFunction: SHA256,
    hasHexDigest: (bytes, start, sizeBytes) => held.has(`${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1', start, start + 64)}/${sizeBytes}`),
  };
}

function wireRequest(digests: { hash: string; sizeBytes: number }[]): FindMissingBlobsWireRequest {
  const bytes = Buffer.from(FindMissingBlobsRequest.encode({ instanceName: 'main', digestFunction: 1, blobDigests: digests }).finish());
  const request = FindMissingBlobsWireRequest.decode(bytes);
  assert.ok(request !== undefined, 'the request has the plain shape');
  return request;
}

/** What the general path answers: absent digests once each, in request order, never the empty blob. */
function expectedMissing(digests: { hash: string; sizeBytes: number }[], held: Set<string>): { hash: string; sizeBytes: number }[] {
  const seen = new Set<string>();
  const missing = [];
  for (const d of digests) {
    const key = `${d.hash}/${d.sizeBytes}`;
    if (held.has(key) || seen.has(key) || key === EMPTY.key) continue;
    seen.add(key);
    missing.push(d);
  }
  return missing;
}

test('answers the absent digests once each, in request order, never the empty blob, as the bytes ts-proto would write', () => {
  const present = { hash: hashOf('present'), sizeBytes: 7 };
  const a = { hash: hashOf('a'), sizeBytes: 1 };
  const b = { hash: hashOf('b'), sizeBytes: 300_000 };
  const aOtherSize = { hash: a.hash, sizeBytes: 2 };
  const zero = { hash: hashOf('zero'), sizeBytes: 0 };
  const empty = { hash: EMPTY.hash, sizeBytes: 0 };
  const digests = [b, present, empty, a, b, aOtherSize, a, zero, present, zero];
  const held = new Set([`${present.hash}/7`]);
  const answer = findMissingOnWire(wireRequest(digests), storeOf(held), EMPTY);
  assert.ok(answer !== undefined);
  const expected = [b, a, aOtherSize, zero];
  assert.deepEqual(answer.bytes, Buffer.from(FindMissingBlobsResponse.encode({ missingBlobDigests: expected }).finish()));
  assert.deepEqual(answer.missingBlobDigests, expected);
});

test('agrees with the general answer on random requests full of duplicates and same hashes of other sizes', () => {
  let state = 12345;
  const next = (n: number): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % n;
  };
  const pool = Array.from({ length: 400 }, (_, i) => ({ hash: hashOf(`blob ${i % 300}`), sizeBytes: i < 300 ? [0, 1, 127, 128, 2 ** 40][i % 5]! : 99 }));
  for (let round = 0; round < 20; round++) {
    const held = new Set(pool.filter(() => next(2) === 0).map((d) => `${d.hash}/${d.sizeBytes}`));
    const digests = Array.from({ length: 1 + next(3_000) }, () => pool[next(pool.length)]!);
    const answer = findMissingOnWire(wireRequest(digests), storeOf(held), EMPTY);
    assert.ok(answer !== undefined);
    assert.deepEqual(answer.bytes, Buffer.from(FindMissingBlobsResponse.encode({ missingBlobDigests: expectedMissing(digests, held) }).finish()), `round ${round}`);
  }
});

test('an empty request and one with everything present answer with no digests', () => {
  assert.equal(findMissingOnWire(wireRequest([]), storeOf([]), EMPTY)?.bytes.length, 0);
  const d = { hash: hashOf('x'), sizeBytes: 3 };
  assert.equal(findMissingOnWire(wireRequest([d, d]), storeOf([`${d.hash}/3`]), EMPTY)?.bytes.length, 0);
});

test('gives up, for the general path to answer, when duplicate detection probes beyond its budget', () => {
  const digests = Array.from({ length: 2_000 }, (_, i) => ({ hash: hashOf(`absent ${i}`), sizeBytes: 1 }));
  assert.equal(findMissingOnWire(wireRequest(digests), storeOf([]), EMPTY, 0), undefined);
  // Duplicates alone cost no probes past a different entry: within a zero budget.
  const same = Array.from({ length: 100 }, () => digests[0]!);
  assert.equal(findMissingOnWire(wireRequest(same), storeOf([]), EMPTY, 0)?.missingBlobDigests.length, 1);
  assert.ok(findMissingOnWire(wireRequest(digests), storeOf([]), EMPTY) !== undefined);
});

test('a request of many digests sharing their first 8 hex digits, crafted to collide, is handed back to the general path', () => {
  const digests = Array.from({ length: 3_000 }, (_, i) => ({ hash: `00000000${hashOf(`crafted ${i}`).slice(8)}`, sizeBytes: 1 }));
  assert.equal(findMissingOnWire(wireRequest(digests), storeOf([]), EMPTY), undefined);
});
