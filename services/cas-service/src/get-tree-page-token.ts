import type { Digest } from '@actiond/digest';
import { invalidArgument, type ActiondError } from '@actiond/status';

// A GetTree page token names a position in the walk of one root: how many
// directories of TreeWalker's breadth-first order came before the page. The
// walk's order is fixed by the tree's content, so the position is all a new
// call needs. Tokens are opaque to clients (base64url of
// "gettree.v1/{hash}/{size}/{offset}") but parsed strictly here, so a token
// from elsewhere or for another root is refused instead of misread.

const PREFIX = 'gettree.v1';
const BODY = /^gettree\.v1\/([0-9a-f]+)\/([0-9]+)\/([0-9]+)$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The next_page_token for the page that starts `offset` directories into the walk of `root`. */
export function encodeGetTreePageToken(root: Digest, offset: number): string {
  return Buffer.from(`${PREFIX}/${root.hash}/${root.sizeBytes}/${offset}`).toString('base64url');
}

/**
 * The offset a page_token stands for; 0 for the empty token (the first page).
 * INVALID_ARGUMENT when the token is not one {@link encodeGetTreePageToken}
 * made, or was made for another root.
 */
export function decodeGetTreePageToken(token: string, root: Digest): number {
  if (token === '') return 0;
  const body = BASE64URL.test(token) && token.length <= 512 ? Buffer.from(token, 'base64url').toString('latin1') : '';
  const match = BODY.exec(body);
  const offset = match === null ? NaN : Number(match[3]);
  if (match === null || !Number.isSafeInteger(offset)) {
    throw tokenError(`page_token ${quote(token)} is not a GetTree page token issued by this server; send "" to start from the root`);
  }
  if (match[1] !== root.hash || match[2] !== String(root.sizeBytes)) {
    throw tokenError(`page_token was issued for root directory ${match[1]}/${match[2]}, not ${root.key}`);
  }
  return offset;
}

function tokenError(message: string): ActiondError {
  return invalidArgument(message, [{ field: 'page_token', description: message }]);
}

function quote(value: string): string {
  return value.length <= 100 ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, 100))}... (${value.length} characters)`;
}
