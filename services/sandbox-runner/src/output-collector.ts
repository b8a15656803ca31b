import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import type { BlobAccess, BlobFiles } from '@actiond/blobstore';
import { Command_OutputDirectoryFormat } from '@actiond/proto';
import type { OutputDirectory, OutputFile, OutputSymlink } from '@actiond/proto';
import { failedPrecondition } from '@actiond/status';
import type { DeclaredOutput, DeclaredOutputs } from './declared-outputs.ts';
import { digestProto, OutputTreeBuilder } from './output-tree-builder.ts';

/** The output fields of an ActionResult, and what collecting them moved. */
export interface CollectedOutputs {
  readonly outputFiles: OutputFile[];
  readonly outputDirectories: OutputDirectory[];
  /** Legacy (v2.0) fields, for commands that declared output_files / output_directories. */
  readonly outputFileSymlinks: OutputSymlink[];
  readonly outputDirectorySymlinks: OutputSymlink[];
  /** For commands that declared output_paths. */
  readonly outputSymlinks: OutputSymlink[];
  /** Regular files moved into the CAS (output files and files inside output directories), and their bytes. */
  readonly files: number;
  readonly bytes: number;
}

/**
 * Collects declared outputs after the action has ended (no process of it
 * may still run): regular files are moved into the CAS and listed with
 * their digest and executable bit; directories become Trees
 * ({@link OutputTreeBuilder}); symlinks are recorded with their target,
 * never followed (an output symlink to /etc/passwd is stored as exactly
 * that), in `output_symlinks` for output_paths commands and in the legacy
 * `output_file_symlinks` / `output_directory_symlinks` otherwise. Missing
 * outputs are simply absent.
 *
 * Moving an output into the CAS: `BlobFiles.adoptFile` hashes it and renames
 * it into the store when the file has no other name; a file with other
 * hard links (the action linked an input, which is a CAS blob, or linked
 * its own file twice) is copied instead, so the CAS never adopts an inode
 * that another name could still reach, and never touches an input's blob.
 *
 * Errors (FAILED_PRECONDITION, as REAPI says for type mismatches): a
 * declared output file that is a directory, a declared output directory
 * that is a regular file, a path whose parent is not a directory, and
 * anything that is neither a file, a directory nor a symlink.
 */
export class OutputCollector {
  readonly #blobs: BlobAccess & BlobFiles;
  readonly #trees: OutputTreeBuilder;

  constructor(blobs: BlobAccess & BlobFiles) {
    this.#blobs = blobs;
    this.#trees = new OutputTreeBuilder(blobs);
  }

  /** Collects `declared` from `workingDirectory`, the host path of the action's working directory. */
  async collect(
    workingDirectory: string,
    declared: DeclaredOutputs,
    format: Command_OutputDirectoryFormat = Command_OutputDirectoryFormat.TREE_ONLY,
  ): Promise<CollectedOutputs> {
    const result: CollectedOutputs & { files: number; bytes: number } = {
      outputFiles: [],
      outputDirectories: [],
      outputFileSymlinks: [],
      outputDirectorySymlinks: [],
      outputSymlinks: [],
      files: 0,
      bytes: 0,
    };
    const withDirectories =
      format === Command_OutputDirectoryFormat.DIRECTORY_ONLY || format === Command_OutputDirectoryFormat.TREE_AND_DIRECTORY;
    // Parents already found to be directories: outputs usually share them (bazel-out/<config>/bin).
    const directories = new Set<string>();
    for (const output of declared.outputs) {
      const found = locate(workingDirectory, output, directories);
      if (found === undefined) continue;
      const { hostPath, info } = found;
      if (info.isSymbolicLink()) {
        const link = { path: output.path, target: readlinkSync(hostPath), nodeProperties: undefined };
        if (declared.usesOutputPaths) result.outputSymlinks.push(link);
        else if (output.kind === 'file') result.outputFileSymlinks.push(link);
        else result.outputDirectorySymlinks.push(link);
      } else if (info.isFile()) {
        if (output.kind === 'directory') {
          throw failedPrecondition(`output directory ${JSON.stringify(output.path)} is a regular file`);
        }
        const digest = await this.#blobs.adoptFile(hostPath);
        result.outputFiles.push({
          path: output.path,
          digest: digestProto(digest),
          isExecutable: (info.mode & 0o111) !== 0,
          contents: Buffer.alloc(0),
          nodeProperties: undefined,
        });
        result.files++;
        result.bytes += digest.sizeBytes;
      } else if (info.isDirectory()) {
        if (output.kind === 'file') throw failedPrecondition(`output file ${JSON.stringify(output.path)} is a directory`);
        const tree = await this.#trees.store(hostPath, output.path, withDirectories);
        result.outputDirectories.push({
          path: output.path,
          treeDigest: format === Command_OutputDirectoryFormat.DIRECTORY_ONLY ? undefined : digestProto(tree.treeDigest),
          isTopologicallySorted: true,
          rootDirectoryDigest: withDirectories ? digestProto(tree.rootDigest) : undefined,
        });
        result.files += tree.files;
        result.bytes += tree.bytes;
      } else {
        throw failedPrecondition(`output ${JSON.stringify(output.path)} is neither a regular file, a directory nor a symlink`);
      }
    }
    return result;
  }
}

/**
 * The host path of an output and what it is, walking its parents without
 * following anything; undefined when it does not exist. A parent that is
 * not a directory is FAILED_PRECONDITION. Direct system calls, not the
 * thread pool: these are a few metadata lookups in directories the action
 * just wrote, microseconds each, where a pooled call costs an event-loop
 * turn and a thread wake-up on the path of the response (bench/RESULTS.md).
 * `directories` remembers parents already checked, across outputs.
 */
function locate(workingDirectory: string, output: DeclaredOutput, directories: Set<string>): { hostPath: string; info: Stats } | undefined {
  let path = workingDirectory;
  const last = output.segments.length - 1;
  for (const [i, segment] of output.segments.entries()) {
    path = `${path}/${segment}`;
    if (i < last && directories.has(path)) continue;
    let info: Stats | undefined;
    try {
      info = lstatSync(path, { throwIfNoEntry: false });
    } catch {
      // As absent, like a missing output.
      return undefined;
    }
    if (info === undefined) return undefined;
    if (i === last) return { hostPath: path, info };
    if (!info.isDirectory()) {
      throw failedPrecondition(
        `output ${JSON.stringify(output.path)}: its parent ${JSON.stringify(output.segments.slice(0, i + 1).join('/'))} is not a directory`,
      );
    }
    directories.add(path);
  }
  return undefined;
}
