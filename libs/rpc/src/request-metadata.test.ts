import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { RequestMetadata } from '@actiond/proto';
import { parseRequestMetadata, REQUEST_METADATA_HEADER } from './request-metadata.ts';

describe('parseRequestMetadata', () => {
  it('decodes the binary header', () => {
    const sent = RequestMetadata.fromPartial({ actionId: 'a', toolInvocationId: 'i', targetId: '//t', actionMnemonic: 'Genrule' });
    const metadata = new Metadata();
    metadata.set(REQUEST_METADATA_HEADER, Buffer.from(RequestMetadata.encode(sent).finish()));
    assert.deepEqual(parseRequestMetadata(metadata), sent);
  });

  it('is undefined without the header', () => {
    assert.equal(parseRequestMetadata(new Metadata()), undefined);
  });

  it('is undefined for bytes that are not a RequestMetadata, instead of failing the call', () => {
    const metadata = new Metadata();
    metadata.set(REQUEST_METADATA_HEADER, Buffer.from([0x0a, 0x05, 0x01]));
    assert.equal(parseRequestMetadata(metadata), undefined);
  });
});
