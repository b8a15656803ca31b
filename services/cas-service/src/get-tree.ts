import type { Directory, GetTreeRequest, GetTreeResponse } from '@actiond/proto';
import type { ServerStreamingHandler } from '@actiond/rpc';
import { invalidArgument } from '@actiond/status';
import { parseRequestDigest, type TreeWalker } from '@actiond/reapi';
import { checkCasRequest, type CasDependencies } from './cas-dependencies.ts';
import { GET_TREE_DEFAULT_PAGE_SIZE, GET_TREE_MAX_PAGE_BYTES, GET_TREE_MAX_PAGE_SIZE } from './cas-limits.ts';
import { decodeGetTreePageToken, encodeGetTreePageToken } from './get-tree-page-token.ts';

/**
 * GetTree: streams every directory of the tree under `root_digest` in
 * TreeWalker's breadth-first order, each distinct directory once, in pages
 * of at most `page_size` directories (GET_TREE_DEFAULT_PAGE_SIZE for 0,
 * lowered to GET_TREE_MAX_PAGE_SIZE) and about GET_TREE_MAX_PAGE_BYTES.
 * Every page but the last carries the `next_page_token` a new call can
 * resume from; the last one carries "".
 *
 * As REAPI says, subtrees missing from the CAS are left out and only a
 * missing root is NOT_FOUND. INVALID_ARGUMENT for a malformed root digest, a
 * negative page size, a page token this server did not issue for this root
 * or that points past the end of the tree, and a blob of the tree that is
 * not a Directory message (naming it and its path).
 */
export function getTree(deps: CasDependencies, walker: TreeWalker): ServerStreamingHandler<GetTreeRequest, GetTreeResponse> {
  return async (request, _ctx, send) => {
    const fn = checkCasRequest(request, deps);
    const root = parseRequestDigest(request.rootDigest, 'root_digest', fn);
    if (request.pageSize < 0) {
      throw invalidArgument(`page_size ${request.pageSize} is negative; send 0 for the server's default`, [
        { field: 'page_size', description: 'is negative' },
      ]);
    }
    const pageSize = request.pageSize === 0 ? GET_TREE_DEFAULT_PAGE_SIZE : Math.min(request.pageSize, GET_TREE_MAX_PAGE_SIZE);
    const skip = decodeGetTreePageToken(request.pageToken, root);

    let position = 0;
    let pageStart = skip;
    let page: Directory[] = [];
    let pageBytes = 0;
    for await (const { digest, directory } of walker.walk(root)) {
      if (position++ < skip) continue;
      // A full page goes out only once another directory exists, so the
      // last page is always the one with the empty token.
      if (page.length > 0 && (page.length >= pageSize || pageBytes + digest.sizeBytes > GET_TREE_MAX_PAGE_BYTES)) {
        pageStart += page.length;
        await send({ directories: page, nextPageToken: encodeGetTreePageToken(root, pageStart) });
        page = [];
        pageBytes = 0;
      }
      page.push(directory);
      pageBytes += digest.sizeBytes;
    }
    if (position < skip) {
      throw invalidArgument(
        `page_token points past the end of the tree of root directory ${root} (${position} directories); start again with ""`,
        [{ field: 'page_token', description: 'points past the end of the tree' }],
      );
    }
    await send({ directories: page, nextPageToken: '' });
  };
}
