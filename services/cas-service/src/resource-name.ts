import { Digest, type DigestFunction, InvalidDigestError } from '@actiond/digest';
import { Compressor_Value, DigestFunction_Value } from '@actiond/proto';
import { invalidArgument, type ActiondError } from '@actiond/status';
import type { InstanceNames } from '@actiond/reapi';
import { SUPPORTED_COMPRESSORS } from './cas-limits.ts';

// ByteStream resource names as REAPI defines them (remote_execution.proto,
// above `service ContentAddressableStorage`):
//   read:   {instance_name/}blobs/{digest_function/}{hash}/{size}
//           {instance_name/}compressed-blobs/{compressor}/{digest_function/}{hash}/{size}
//   upload: {instance_name/}uploads/{uuid}/blobs/{digest_function/}{hash}/{size}{/optional_metadata}
//           {instance_name/}uploads/{uuid}/compressed-blobs/{compressor}/{digest_function/}{hash}/{size}{/optional_metadata}
// The instance name may span several segments but none of them may be a
// reserved keyword, so the first `blobs`, `compressed-blobs` or `uploads`
// segment ends it.

/** A parsed ByteStream Read resource name. */
export interface BlobResourceName {
  readonly instanceName: string;
  /** The digest of the blob, uncompressed. */
  readonly digest: Digest;
  /** IDENTITY for `blobs/...`, the named compressor for `compressed-blobs/...`. */
  readonly compressor: Compressor_Value;
}

/** A parsed ByteStream Write or QueryWriteStatus resource name. */
export interface UploadResourceName extends BlobResourceName {
  /** The `{uuid}` segment: the client's name for this upload (any non-empty segment is accepted). */
  readonly uploadId: string;
}

/** What parsing needs to know about the server. */
export interface ResourceNameContext {
  /** The instance names served; any other is INVALID_ARGUMENT. */
  readonly instanceNames: InstanceNames;
  /** The store's digest function; a name for another one is INVALID_ARGUMENT. */
  readonly digestFunction: DigestFunction;
}

/** Longest resource name accepted; real ones are under 200 characters. */
export const MAX_RESOURCE_NAME_LENGTH = 4096;

const READ_FORMS = '"{instance_name/}blobs/{hash}/{size}" or "{instance_name/}compressed-blobs/zstd/{hash}/{size}"';
const UPLOAD_FORMS =
  '"{instance_name/}uploads/{uuid}/blobs/{hash}/{size}{/optional_metadata}" or "{instance_name/}uploads/{uuid}/compressed-blobs/zstd/{hash}/{size}{/optional_metadata}"';

/**
 * Parses a Read resource name. Throws INVALID_ARGUMENT naming the resource
 * name and what is wrong with it: a missing or extra part, an empty, `.` or
 * `..` segment, a malformed hash or size, an unknown or unsupported
 * compressor or digest function, or an instance name the server does not serve.
 */
export function parseReadResourceName(name: string, context: ResourceNameContext): BlobResourceName {
  const segments = splitSegments(name, READ_FORMS);
  const at = segments.findIndex((s) => s === 'blobs' || s === 'compressed-blobs');
  if (at < 0) throw nameError(name, 'it has no "blobs" or "compressed-blobs" segment', READ_FORMS);
  const instanceName = parseInstanceName(name, segments.slice(0, at), context, READ_FORMS);
  const { digest, compressor, rest } = parseBlobPart(name, segments, at, context, READ_FORMS);
  if (rest.length > 0) throw nameError(name, `unexpected segments after the size: "${rest.join('/')}"`, READ_FORMS);
  return { instanceName, digest, compressor };
}

/**
 * Parses a Write or QueryWriteStatus resource name; trailing optional
 * metadata is accepted and ignored. Errors as for {@link parseReadResourceName}.
 */
export function parseUploadResourceName(name: string, context: ResourceNameContext): UploadResourceName {
  const segments = splitSegments(name, UPLOAD_FORMS);
  const at = segments.indexOf('uploads');
  if (at < 0) throw nameError(name, 'it has no "uploads" segment', UPLOAD_FORMS);
  const instanceName = parseInstanceName(name, segments.slice(0, at), context, UPLOAD_FORMS);
  const uploadId = segments[at + 1];
  if (uploadId === undefined) throw nameError(name, 'the upload id after "uploads" is missing', UPLOAD_FORMS);
  const kind = segments[at + 2];
  if (kind !== 'blobs' && kind !== 'compressed-blobs') {
    const what = kind === undefined ? 'nothing' : `"${kind}"`;
    throw nameError(name, `expected "blobs" or "compressed-blobs" after the upload id, found ${what}`, UPLOAD_FORMS);
  }
  const { digest, compressor } = parseBlobPart(name, segments, at + 2, context, UPLOAD_FORMS);
  return { instanceName, uploadId, digest, compressor };
}

/** The Read resource name of a blob, in the form clients send (for tests and clients of our own). */
export function formatReadResourceName(name: BlobResourceName): string {
  return `${instancePrefix(name.instanceName)}${blobPart(name)}`;
}

/** The upload resource name of a blob (for tests and clients of our own). */
export function formatUploadResourceName(name: UploadResourceName): string {
  return `${instancePrefix(name.instanceName)}uploads/${name.uploadId}/${blobPart(name)}`;
}

/** The lowercase name REAPI uses for a compressor in resource names (`zstd`). */
export function compressorName(compressor: Compressor_Value | number): string {
  const entry = Object.entries(Compressor_Value).find(([, v]) => v === compressor);
  return entry === undefined ? `compressor ${compressor}` : entry[0].toLowerCase();
}

function instancePrefix(instanceName: string): string {
  return instanceName === '' ? '' : `${instanceName}/`;
}

function blobPart(name: BlobResourceName): string {
  const kind = name.compressor === Compressor_Value.IDENTITY ? 'blobs' : `compressed-blobs/${compressorName(name.compressor)}`;
  return `${kind}/${name.digest.hash}/${name.digest.sizeBytes}`;
}

function splitSegments(name: string, forms: string): string[] {
  if (typeof name !== 'string' || name === '') {
    throw invalidArgument(`resource_name is empty; expected ${forms}`, [{ field: 'resource_name', description: 'is empty' }]);
  }
  if (name.length > MAX_RESOURCE_NAME_LENGTH) {
    throw nameError(name, `it is longer than ${MAX_RESOURCE_NAME_LENGTH} characters`, forms);
  }
  const segments = name.split('/');
  for (const segment of segments) {
    if (segment === '') throw nameError(name, 'it has an empty path segment (a leading, trailing or doubled "/")', forms);
    if (segment === '.' || segment === '..') throw nameError(name, `it has a "${segment}" segment`, forms);
  }
  return segments;
}

function parseInstanceName(name: string, segments: string[], context: ResourceNameContext, forms: string): string {
  const reserved = segments.find((s) => s === 'uploads' || s === 'blobs' || s === 'compressed-blobs');
  if (reserved !== undefined) {
    throw nameError(name, `"${reserved}" appears where the instance name belongs`, forms);
  }
  const instanceName = segments.join('/');
  context.instanceNames.check(instanceName, 'resource_name');
  return instanceName;
}

/**
 * Parses `blobs/{fn/}{hash}/{size}` or `compressed-blobs/{compressor}/{fn/}{hash}/{size}`
 * starting at `segments[at]`; returns what follows the size.
 */
function parseBlobPart(
  name: string,
  segments: string[],
  at: number,
  context: ResourceNameContext,
  forms: string,
): { digest: Digest; compressor: Compressor_Value; rest: string[] } {
  let next = at + 1;
  let compressor: Compressor_Value = Compressor_Value.IDENTITY;
  if (segments[at] === 'compressed-blobs') {
    const segment = segments[next++];
    if (segment === undefined) throw nameError(name, 'the compressor after "compressed-blobs" is missing', forms);
    compressor = parseCompressor(name, segment, forms);
  }
  let fn = context.digestFunction;
  const maybeFunction = segments[next];
  if (maybeFunction !== undefined && DIGEST_FUNCTION_SEGMENTS.has(maybeFunction)) {
    fn = parseDigestFunctionSegment(name, maybeFunction, context.digestFunction);
    next++;
  }
  const hash = segments[next];
  const size = segments[next + 1];
  if (hash === undefined || size === undefined) {
    throw nameError(name, hash === undefined ? 'the hash and size are missing' : 'the size after the hash is missing', forms);
  }
  let digest: Digest;
  try {
    digest = Digest.parse(hash, size, fn);
  } catch (err) {
    if (err instanceof InvalidDigestError) throw nameError(name, err.message, forms);
    throw err;
  }
  return { digest, compressor, rest: segments.slice(next + 2) };
}

function parseCompressor(name: string, segment: string, forms: string): Compressor_Value {
  const supported = SUPPORTED_COMPRESSORS.map(compressorName).join(', ');
  if (segment === 'identity') {
    throw nameError(name, 'compressor "identity" is not used in compressed-blobs names; use "blobs/" for uncompressed data', forms);
  }
  const entry = Object.entries(Compressor_Value).find(([key]) => key.toLowerCase() === segment);
  if (entry === undefined) throw nameError(name, `unknown compressor ${quote(segment)}; this server supports ${supported}`, forms);
  const value = entry[1];
  if (!SUPPORTED_COMPRESSORS.includes(value)) {
    throw nameError(name, `compressor "${segment}" is not supported; this server supports ${supported}`, forms);
  }
  return value;
}

/** Lowercase names of every REAPI digest function, as they appear in resource names. */
const DIGEST_FUNCTION_SEGMENTS: ReadonlySet<string> = new Set(
  Object.keys(DigestFunction_Value)
    .filter((key) => key !== 'UNKNOWN')
    .map((key) => key.toLowerCase()),
);

/**
 * REAPI says classic functions (SHA256 among them) are omitted from resource
 * names and inferred from the hash length. A name that spells out the
 * served function anyway is unambiguous, so it is accepted; any other
 * function is refused.
 */
function parseDigestFunctionSegment(name: string, segment: string, served: DigestFunction): DigestFunction {
  if (segment === served.directoryName) return served;
  const message = `unsupported digest function ${segment.toUpperCase()}; this server supports ${served.name}`;
  throw nameError(name, message, undefined);
}

function nameError(name: string, problem: string, forms: string | undefined): ActiondError {
  const expected = forms === undefined ? '' : `; expected ${forms}`;
  return invalidArgument(`invalid resource_name ${quote(name)}: ${problem}${expected}`, [
    { field: 'resource_name', description: problem },
  ]);
}

/** Quotes untrusted input for a message, cut short so a huge value cannot flood logs. */
function quote(value: string): string {
  const max = 300;
  return value.length <= max ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, max))}... (${value.length} characters)`;
}
