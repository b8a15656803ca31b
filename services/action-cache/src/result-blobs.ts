import { status } from '@grpc/grpc-js';
import type { BlobAccess } from '@actiond/blobstore';
import { Digest, type DigestFunction, DigestSet, InvalidDigestError } from '@actiond/digest';
import { type ActionResult, type Digest as DigestMessage, type Directory, Tree } from '@actiond/proto';
import { TreeWalker } from '@actiond/reapi';
import { ActiondError, type FieldViolation } from '@actiond/status';

/** What {@link checkResultBlobs} found. */
export interface ResultBlobCheck {
  /**
   * Referenced blobs absent from the CAS, deduplicated: those the result
   * names itself first, then Directories found missing while walking, then
   * files listed in Trees and Directories; each group in result order.
   */
  readonly missing: readonly Digest[];
  /**
   * Digests that do not parse and Tree or Directory blobs that do not
   * decode, each named by its field path in an UpdateActionResultRequest
   * (`action_result.output_directories[0].tree_digest`); any one makes the
   * result unusable.
   */
  readonly malformed: readonly FieldViolation[];
}

/**
 * Finds the CAS blobs an ActionResult refers to that are not there: output
 * files, stdout and stderr, and for each output directory its Tree blob and
 * every file the Tree lists. When the directory also has a
 * `root_directory_digest`, the separately stored Directory blobs count too,
 * since clients that asked for that form fetch them one by one; they are
 * found through the Tree (whose DirectoryNodes name them), or, for a
 * directory reported only by `root_directory_digest` (DIRECTORY_ONLY), by
 * walking the Directories with `walker`, which must read from `blobs` (pass
 * one to share its DirectoryCache).
 *
 * A result for which this reports nothing missing and nothing malformed can
 * be served: the client can fetch everything it points to. Costs two
 * findMissing calls plus one read per Tree (or per walked Directory).
 */
export async function checkResultBlobs(
  result: ActionResult,
  blobs: BlobAccess,
  walker: TreeWalker = new TreeWalker(blobs),
): Promise<ResultBlobCheck> {
  const field = 'action_result';
  const fn = blobs.digestFunction;
  const malformed: FieldViolation[] = [];
  const parse = (message: DigestMessage | undefined, at: string) => {
    if (message === undefined) return undefined;
    try {
      return Digest.parse(message.hash, message.sizeBytes, fn);
    } catch (err) {
      if (!(err instanceof InvalidDigestError)) throw err;
      malformed.push({ field: at, description: err.message });
      return undefined;
    }
  };

  const direct: Digest[] = [];
  const push = (digest: Digest | undefined) => digest !== undefined && direct.push(digest);
  result.outputFiles.forEach((file, i) => push(parse(file.digest, `${field}.output_files[${i}].digest`)));
  push(parse(result.stdoutDigest, `${field}.stdout_digest`));
  push(parse(result.stderrDigest, `${field}.stderr_digest`));
  const trees: TreeReference[] = [];
  const roots: TreeReference[] = [];
  result.outputDirectories.forEach((directory, i) => {
    const at = `${field}.output_directories[${i}]`;
    const tree = parse(directory.treeDigest, `${at}.tree_digest`);
    const root = parse(directory.rootDirectoryDigest, `${at}.root_directory_digest`);
    push(tree);
    push(root);
    if (tree !== undefined) trees.push({ digest: tree, at: `${at}.tree_digest`, withDirectories: root !== undefined });
    else if (root !== undefined) roots.push({ digest: root, at: `${at}.root_directory_digest`, withDirectories: true });
  });

  const missingDirect = await blobs.findMissing(direct);
  // One outcome per Tree, in result order, so the answer does not depend on
  // which read finishes first.
  const outcomes = await Promise.all([
    ...trees.filter((tree) => !missingDirect.has(tree.digest)).map((tree) => treeBlobs(blobs, tree)),
    ...roots.filter((root) => !missingDirect.has(root.digest)).map((root) => walkedBlobs(walker, fn, root)),
  ]);
  const missingInTrees = await blobs.findMissing(outcomes.flatMap((o) => o.listed));
  return {
    missing: DigestSet.of([...missingDirect, ...outcomes.flatMap((o) => o.missing), ...missingInTrees]).toArray(),
    malformed: [...malformed, ...outcomes.flatMap((o) => o.malformed)],
  };
}

/** An output directory's Tree blob to read, and where the result names it. */
interface TreeReference {
  readonly digest: Digest;
  readonly at: string;
  /** Whether the Directory blobs count too (the result also gives root_directory_digest). */
  readonly withDirectories: boolean;
}

/** What one Tree blob lists: blobs to look for, or why it cannot be read. */
interface TreeOutcome {
  readonly listed: readonly Digest[];
  readonly missing: readonly Digest[];
  readonly malformed: readonly FieldViolation[];
}

async function treeBlobs(blobs: BlobAccess, { digest, at, withDirectories }: TreeReference): Promise<TreeOutcome> {
  const tree = await readTree(blobs, digest);
  if (tree === 'missing') return { listed: [], missing: [digest], malformed: [] };
  if (tree === 'malformed') {
    return { listed: [], missing: [], malformed: [{ field: at, description: `blob ${digest} is not a valid Tree message` }] };
  }
  const listed: Digest[] = [];
  const malformed: FieldViolation[] = [];
  const add = (message: DigestMessage | undefined, path: string) => {
    try {
      if (message !== undefined) listed.push(Digest.parse(message.hash, message.sizeBytes, blobs.digestFunction));
      else malformed.push({ field: at, description: `Tree ${digest}: ${path} is missing` });
    } catch (err) {
      if (!(err instanceof InvalidDigestError)) throw err;
      malformed.push({ field: at, description: `Tree ${digest}: ${path}: ${err.message}` });
    }
  };
  const directories: [Directory | undefined, string][] = [
    [tree.root, 'root'],
    ...tree.children.map((child, i): [Directory, string] => [child, `children[${i}]`]),
  ];
  for (const [directory, path] of directories) {
    if (directory === undefined) continue;
    directory.files.forEach((file, i) => add(file.digest, `${path}.files[${i}].digest`));
    if (withDirectories) directory.directories.forEach((child, i) => add(child.digest, `${path}.directories[${i}].digest`));
  }
  return { listed, missing: [], malformed };
}

/** What the Directories below a root_directory_digest list, walked one blob at a time. */
async function walkedBlobs(walker: TreeWalker, fn: DigestFunction, { digest, at }: TreeReference): Promise<TreeOutcome> {
  const listed: Digest[] = [];
  const missing: Digest[] = [];
  const malformed: FieldViolation[] = [];
  try {
    for await (const { directory, path } of walker.walk(digest, { onMissing: (child) => missing.push(child) })) {
      directory.files.forEach((file, i) => {
        const where = `directory ${path === '' ? '(the root)' : JSON.stringify(path)} files[${i}].digest`;
        try {
          if (file.digest === undefined) throw new InvalidDigestError('is missing');
          listed.push(Digest.parse(file.digest.hash, file.digest.sizeBytes, fn));
        } catch (err) {
          if (!(err instanceof InvalidDigestError)) throw err;
          malformed.push({ field: at, description: `root directory ${digest}: ${where}: ${err.message}` });
        }
      });
    }
  } catch (err) {
    const error = ActiondError.from(err);
    // Gone since findMissing: as missing. Not a Directory: as malformed.
    if (error.code === status.NOT_FOUND) return { listed: [], missing: [digest], malformed: [] };
    if (error.code !== status.INVALID_ARGUMENT) throw err;
    malformed.push({ field: at, description: error.message });
  }
  return { listed, missing, malformed };
}

/** The decoded Tree blob, or why there is none to use. */
async function readTree(blobs: BlobAccess, digest: Digest): Promise<Tree | 'missing' | 'malformed'> {
  let bytes: Buffer;
  try {
    bytes = await blobs.get(digest);
  } catch (err) {
    // Gone since findMissing, or found damaged and removed by the store.
    const code = ActiondError.from(err).code;
    if (code === status.NOT_FOUND || code === status.DATA_LOSS) return 'missing';
    throw err;
  }
  try {
    return Tree.decode(bytes);
  } catch {
    return 'malformed';
  }
}
