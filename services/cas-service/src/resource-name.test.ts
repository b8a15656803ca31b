import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { SHA256 } from '@actiond/digest';
import { Compressor_Value } from '@actiond/proto';
import { ActiondError } from '@actiond/status';
import { InstanceNames } from '@actiond/reapi';
import {
  formatReadResourceName,
  formatUploadResourceName,
  MAX_RESOURCE_NAME_LENGTH,
  parseReadResourceName,
  parseUploadResourceName,
} from './resource-name.ts';

const blob = SHA256.compute(Buffer.from('hello'));
const H = blob.hash;
const S = blob.sizeBytes;
const UUID = '3e1b2a4c-2f7d-4c1e-9c52-5f0b6f3f2a11';
const served = { instanceNames: new InstanceNames(['', 'main', 'team/linux']), digestFunction: SHA256 };

/** Asserts INVALID_ARGUMENT whose message contains every fragment. */
function assertInvalid(parse: () => unknown, ...fragments: string[]): void {
  assert.throws(parse, (err: unknown) => {
    assert.ok(err instanceof ActiondError, `expected an ActiondError, got ${String(err)}`);
    assert.equal(err.code, status.INVALID_ARGUMENT);
    for (const fragment of fragments) assert.ok(err.message.includes(fragment), `"${err.message}" lacks "${fragment}"`);
    return true;
  });
}

describe('parseReadResourceName', () => {
  it('parses blobs/{hash}/{size} of the default instance', () => {
    const name = parseReadResourceName(`blobs/${H}/${S}`, served);
    assert.equal(name.instanceName, '');
    assert.ok(name.digest.equals(blob));
    assert.equal(name.compressor, Compressor_Value.IDENTITY);
  });

  it('parses a one- and a two-segment instance name', () => {
    assert.equal(parseReadResourceName(`main/blobs/${H}/${S}`, served).instanceName, 'main');
    assert.equal(parseReadResourceName(`team/linux/blobs/${H}/${S}`, served).instanceName, 'team/linux');
  });

  it('parses compressed-blobs/zstd/{hash}/{size} as ZSTD with the uncompressed digest', () => {
    const name = parseReadResourceName(`main/compressed-blobs/zstd/${H}/${S}`, served);
    assert.equal(name.compressor, Compressor_Value.ZSTD);
    assert.ok(name.digest.equals(blob));
  });

  it('accepts an explicit sha256 digest-function segment, which REAPI says to omit but is unambiguous', () => {
    assert.ok(parseReadResourceName(`blobs/sha256/${H}/${S}`, served).digest.equals(blob));
    assert.ok(parseReadResourceName(`compressed-blobs/zstd/sha256/${H}/${S}`, served).digest.equals(blob));
  });

  it('refuses any other digest function by name', () => {
    assertInvalid(() => parseReadResourceName(`blobs/blake3/${H}/${S}`, served), 'unsupported digest function BLAKE3', 'SHA256');
    assertInvalid(() => parseReadResourceName(`blobs/sha1/${H.slice(0, 40)}/${S}`, served), 'unsupported digest function SHA1');
  });

  it('refuses missing parts, naming what is missing', () => {
    assertInvalid(() => parseReadResourceName('', served), 'resource_name is empty');
    assertInvalid(() => parseReadResourceName(`${H}/${S}`, served), 'no "blobs" or "compressed-blobs" segment');
    assertInvalid(() => parseReadResourceName('blobs', served), 'the hash and size are missing');
    assertInvalid(() => parseReadResourceName(`blobs/${H}`, served), 'the size after the hash is missing');
    assertInvalid(() => parseReadResourceName('compressed-blobs', served), 'the compressor after "compressed-blobs" is missing');
    assertInvalid(() => parseReadResourceName(`compressed-blobs/zstd/${H}`, served), 'the size after the hash is missing');
  });

  it('refuses extra segments after the size', () => {
    assertInvalid(() => parseReadResourceName(`blobs/${H}/${S}/extra`, served), 'unexpected segments after the size: "extra"');
  });

  it('refuses empty, "." and ".." segments', () => {
    assertInvalid(() => parseReadResourceName(`/blobs/${H}/${S}`, served), 'empty path segment');
    assertInvalid(() => parseReadResourceName(`main//blobs/${H}/${S}`, served), 'empty path segment');
    assertInvalid(() => parseReadResourceName(`blobs/${H}/${S}/`, served), 'empty path segment');
    assertInvalid(() => parseReadResourceName(`../blobs/${H}/${S}`, served), 'a ".." segment');
    assertInvalid(() => parseReadResourceName(`main/../blobs/${H}/${S}`, served), 'a ".." segment');
    assertInvalid(() => parseReadResourceName(`./blobs/${H}/${S}`, served), 'a "." segment');
  });

  it('refuses malformed hashes: uppercase, short, non-hex', () => {
    assertInvalid(() => parseReadResourceName(`blobs/${H.toUpperCase()}/${S}`, served), 'not lowercase hex');
    assertInvalid(() => parseReadResourceName(`blobs/${H.slice(1)}/${S}`, served), 'has 63 characters');
    assertInvalid(() => parseReadResourceName(`blobs/${'g'.repeat(64)}/${S}`, served), 'not lowercase hex');
  });

  it('refuses negative, non-numeric and unsafe sizes', () => {
    assertInvalid(() => parseReadResourceName(`blobs/${H}/-1`, served), 'invalid size "-1"');
    assertInvalid(() => parseReadResourceName(`blobs/${H}/five`, served), 'invalid size "five"');
    assertInvalid(() => parseReadResourceName(`blobs/${H}/1.5`, served), 'invalid size "1.5"');
    assertInvalid(() => parseReadResourceName(`blobs/${H}/99999999999999999999`, served), 'invalid size');
  });

  it('refuses unknown and unsupported compressors, and identity', () => {
    assertInvalid(() => parseReadResourceName(`compressed-blobs/lz4/${H}/${S}`, served), 'unknown compressor "lz4"', 'zstd');
    assertInvalid(() => parseReadResourceName(`compressed-blobs/deflate/${H}/${S}`, served), 'compressor "deflate" is not supported');
    assertInvalid(() => parseReadResourceName(`compressed-blobs/brotli/${H}/${S}`, served), 'compressor "brotli" is not supported');
    assertInvalid(() => parseReadResourceName(`compressed-blobs/identity/${H}/${S}`, served), 'use "blobs/" for uncompressed');
    assertInvalid(() => parseReadResourceName(`compressed-blobs/ZSTD/${H}/${S}`, served), 'unknown compressor "ZSTD"');
  });

  it('refuses an instance name the server does not serve, listing the served ones', () => {
    assertInvalid(() => parseReadResourceName(`other/blobs/${H}/${S}`, served), 'unknown instance name "other"', '"", "main", "team/linux"');
    assertInvalid(() => parseReadResourceName(`team/blobs/${H}/${S}`, served), 'unknown instance name "team"');
  });

  it('refuses an upload name given to Read', () => {
    assertInvalid(() => parseReadResourceName(`uploads/${UUID}/blobs/${H}/${S}`, served), '"uploads" appears where the instance name belongs');
  });

  it('refuses names longer than the limit without echoing them whole', () => {
    const long = `${'a/'.repeat(MAX_RESOURCE_NAME_LENGTH)}blobs/${H}/${S}`;
    assert.throws(
      () => parseReadResourceName(long, served),
      (err: ActiondError) => err.code === status.INVALID_ARGUMENT && err.message.length < 1000 && err.message.includes('longer than'),
    );
  });

  it('round-trips through formatReadResourceName', () => {
    for (const name of [
      { instanceName: '', digest: blob, compressor: Compressor_Value.IDENTITY },
      { instanceName: 'team/linux', digest: blob, compressor: Compressor_Value.ZSTD },
    ]) {
      assert.deepEqual(parseReadResourceName(formatReadResourceName(name), served), name);
    }
  });
});

describe('parseUploadResourceName', () => {
  it('parses uploads/{uuid}/blobs/{hash}/{size}', () => {
    const name = parseUploadResourceName(`uploads/${UUID}/blobs/${H}/${S}`, served);
    assert.equal(name.instanceName, '');
    assert.equal(name.uploadId, UUID);
    assert.ok(name.digest.equals(blob));
    assert.equal(name.compressor, Compressor_Value.IDENTITY);
  });

  it('ignores optional metadata after the size', () => {
    const name = parseUploadResourceName(`main/uploads/${UUID}/blobs/${H}/${S}/some/metadata`, served);
    assert.equal(name.instanceName, 'main');
    assert.ok(name.digest.equals(blob));
  });

  it('parses compressed uploads, with and without a sha256 segment', () => {
    for (const text of [
      `team/linux/uploads/${UUID}/compressed-blobs/zstd/${H}/${S}`,
      `team/linux/uploads/${UUID}/compressed-blobs/zstd/sha256/${H}/${S}/meta`,
    ]) {
      const name = parseUploadResourceName(text, served);
      assert.equal(name.instanceName, 'team/linux');
      assert.equal(name.compressor, Compressor_Value.ZSTD);
      assert.ok(name.digest.equals(blob));
    }
  });

  it('refuses missing parts, naming what is missing', () => {
    assertInvalid(() => parseUploadResourceName(`blobs/${H}/${S}`, served), 'no "uploads" segment');
    assertInvalid(() => parseUploadResourceName('uploads', served), 'the upload id after "uploads" is missing');
    assertInvalid(() => parseUploadResourceName(`uploads/${UUID}`, served), 'found nothing');
    assertInvalid(() => parseUploadResourceName(`uploads/${UUID}/files/${H}/${S}`, served), 'found "files"');
    assertInvalid(() => parseUploadResourceName(`uploads/${UUID}/blobs/${H}`, served), 'the size after the hash is missing');
    assertInvalid(() => parseUploadResourceName(`uploads/${UUID}/compressed-blobs`, served), 'the compressor');
  });

  it('refuses ".." anywhere, including as the upload id', () => {
    assertInvalid(() => parseUploadResourceName(`uploads/../blobs/${H}/${S}`, served), 'a ".." segment');
    assertInvalid(() => parseUploadResourceName(`uploads/${UUID}/blobs/${H}/${S}/../x`, served), 'a ".." segment');
  });

  it('refuses bad hashes, sizes, compressors, functions and instances as Read does', () => {
    assertInvalid(() => parseUploadResourceName(`uploads/${UUID}/blobs/${H.slice(2)}/${S}`, served), 'has 62 characters');
    assertInvalid(() => parseUploadResourceName(`uploads/${UUID}/blobs/${H}/-5`, served), 'invalid size "-5"');
    assertInvalid(() => parseUploadResourceName(`uploads/${UUID}/compressed-blobs/snappy/${H}/${S}`, served), 'unknown compressor "snappy"');
    assertInvalid(() => parseUploadResourceName(`uploads/${UUID}/blobs/blake3/${H}/${S}`, served), 'unsupported digest function BLAKE3');
    assertInvalid(() => parseUploadResourceName(`nope/uploads/${UUID}/blobs/${H}/${S}`, served), 'unknown instance name "nope"');
    assertInvalid(() => parseUploadResourceName(`blobs/uploads/${UUID}/blobs/${H}/${S}`, served), '"blobs" appears where the instance name belongs');
  });

  it('round-trips through formatUploadResourceName', () => {
    const name = { instanceName: 'main', uploadId: UUID, digest: blob, compressor: Compressor_Value.ZSTD };
    assert.deepEqual(parseUploadResourceName(formatUploadResourceName(name), served), name);
  });
});
