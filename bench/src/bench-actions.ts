import { type Digest, SHA256 } from '@actiond/digest';
import { Action, Command, Directory } from '@actiond/proto';
import type { UploadBlob } from './execute-client.ts';

/** An action ready to upload: every blob it needs (Action, Command, input tree) and its digest. */
export interface BenchAction {
  /** What the report calls it. */
  readonly name: string;
  readonly actionDigest: Digest;
  readonly blobs: readonly UploadBlob[];
}

/** An input tree: its root digest and every blob in it (Directory messages and files). */
export interface InputTree {
  readonly rootDigest: Digest;
  readonly blobs: readonly UploadBlob[];
  /** Regular files in the tree. */
  readonly files: number;
  /** Bytes of those files. */
  readonly bytes: number;
}

/** What a benchmark action runs. */
export interface ActionSpec {
  readonly name: string;
  readonly arguments: readonly string[];
  /** Sorted by name, as REAPI requires. */
  readonly environment?: readonly { readonly name: string; readonly value: string }[];
  /** Platform properties, sorted by name; on the Command, where Bazel 4.2.3 puts them. */
  readonly platform?: readonly { readonly name: string; readonly value: string }[];
  readonly inputs: InputTree;
  /** Makes the Action's digest unique, so separate benchmarks never share AC entries or merged runs. */
  readonly salt?: string;
}

function blob(data: Buffer): UploadBlob {
  return { digest: SHA256.compute(data), data };
}

function directoryBlob(directory: Directory): UploadBlob {
  return blob(Buffer.from(Directory.encode(directory).finish()));
}

/** The Action and Command of `spec`, plus its input tree's blobs. */
export function buildAction(spec: ActionSpec): BenchAction {
  const command = blob(
    Buffer.from(
      Command.encode(
        Command.fromPartial({
          arguments: [...spec.arguments],
          environmentVariables: [...(spec.environment ?? [])],
          platform: spec.platform === undefined ? undefined : { properties: [...spec.platform] },
        }),
      ).finish(),
    ),
  );
  const action = blob(
    Buffer.from(
      Action.encode(
        Action.fromPartial({
          commandDigest: command.digest,
          inputRootDigest: spec.inputs.rootDigest,
          salt: Buffer.from(spec.salt ?? ''),
        }),
      ).finish(),
    ),
  );
  return { name: spec.name, actionDigest: action.digest, blobs: [action, command, ...spec.inputs.blobs] };
}

/** The empty input root (the empty Directory, whose serialization is the empty blob). */
export function emptyInputTree(): InputTree {
  return { rootDigest: directoryBlob(Directory.create()).digest, blobs: [], files: 0, bytes: 0 };
}

/** An input root holding one executable file `name` with `content` (a static binary, for libc=none). */
export function singleExecutableTree(name: string, content: Buffer): InputTree {
  const file = blob(content);
  const root = directoryBlob(
    Directory.fromPartial({ files: [{ name, digest: file.digest, isExecutable: true }] }),
  );
  return { rootDigest: root.digest, blobs: [file, root], files: 1, bytes: content.length };
}

/**
 * A wide input root: `directories` directories (`d000`, `d001`, ...) of
 * `filesPerDirectory` small distinct files each (`f000`, ...), the layout of
 * a source tree's worth of headers. `tag` goes into every file's content, so
 * two trees with different tags share no blob.
 */
export function wideInputTree(directories: number, filesPerDirectory: number, tag: string): InputTree {
  const blobs: UploadBlob[] = [];
  const root = Directory.create();
  let bytes = 0;
  const width = Math.max(3, String(Math.max(directories, filesPerDirectory) - 1).length);
  for (let d = 0; d < directories; d++) {
    const directory = Directory.create();
    for (let f = 0; f < filesPerDirectory; f++) {
      const file = blob(Buffer.from(`${tag} file ${d}/${f}\n`));
      blobs.push(file);
      bytes += file.data.length;
      directory.files.push({ name: `f${String(f).padStart(width, '0')}`, digest: file.digest, isExecutable: false, nodeProperties: undefined });
    }
    const stored = directoryBlob(directory);
    blobs.push(stored);
    root.directories.push({ name: `d${String(d).padStart(width, '0')}`, digest: stored.digest });
  }
  const stored = directoryBlob(root);
  blobs.push(stored);
  return { rootDigest: stored.digest, blobs, files: directories * filesPerDirectory, bytes };
}
