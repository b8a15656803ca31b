export { Digest } from './digest.ts';
export type { SizeInput } from './digest.ts';
export type { DigestFunction, Hasher } from './digest-function.ts';
export { SHA256 } from './sha256-digest-function.ts';
export { DigestFunctions } from './digest-functions.ts';
export { DigestSet } from './digest-set.ts';
export { InvalidDigestError, UnsupportedDigestFunctionError } from './digest-errors.ts';
