import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import type { Command } from '@actiond/proto';
import { failedPrecondition, invalidArgument } from '@actiond/status';
import { INPUT_DIRECTORY_MODE } from './execroot-materializer.ts';
import { parseRelativePath } from './relative-path.ts';

/** One output the command declared, relative to its working directory. */
export interface DeclaredOutput {
  /** As the client wrote it; results use it as is. */
  readonly path: string;
  readonly segments: readonly string[];
  /**
   * `file` (legacy output_files), `directory` (legacy output_directories),
   * or `any` (output_paths: whatever is found there).
   */
  readonly kind: 'file' | 'directory' | 'any';
}

/** The outputs of a Command and which API generation declared them. */
export interface DeclaredOutputs {
  /** True when the command used output_paths (v2.1+): its legacy lists are then ignored. */
  readonly usesOutputPaths: boolean;
  readonly outputs: readonly DeclaredOutput[];
  /** The working directory's segments, relative to the input root. */
  readonly workingDirectory: readonly string[];
}

/**
 * Reads and checks `Command.working_directory` and the declared outputs:
 * `output_paths` when set, else `output_files` and `output_directories`.
 * Paths must be relative and stay below the working directory (no `..`, no
 * empty segment); '' is allowed for a directory (the working directory
 * itself). A path listed twice, or an output file that is the parent of
 * another output, is INVALID_ARGUMENT naming the paths.
 */
export function parseDeclaredOutputs(command: Command): DeclaredOutputs {
  const workingDirectory = parseRelativePath(command.workingDirectory, 'working directory', true);
  const usesOutputPaths = command.outputPaths.length > 0;
  const listed: { path: string; kind: DeclaredOutput['kind']; field: string }[] = usesOutputPaths
    ? command.outputPaths.map((path) => ({ path, kind: 'any', field: 'output path' }))
    : [
        ...command.outputFiles.map((path) => ({ path, kind: 'file' as const, field: 'output file' })),
        ...command.outputDirectories.map((path) => ({ path, kind: 'directory' as const, field: 'output directory' })),
      ];
  const outputs: DeclaredOutput[] = [];
  const seen = new Map<string, DeclaredOutput>();
  for (const { path, kind, field } of listed) {
    const segments = parseRelativePath(path, field, kind !== 'file');
    if (seen.has(path)) throw invalidArgument(`${field} ${JSON.stringify(path)} is declared more than once`);
    const output = { path, segments, kind };
    seen.set(path, output);
    outputs.push(output);
  }
  for (const output of outputs) {
    for (let length = 1; length < output.segments.length; length++) {
      const parent = seen.get(output.segments.slice(0, length).join('/'));
      if (parent?.kind === 'file') {
        throw invalidArgument(`output file ${JSON.stringify(parent.path)} is a parent of output ${JSON.stringify(output.path)}`);
      }
    }
  }
  return { usesOutputPaths, outputs, workingDirectory };
}

/**
 * Creates, before the run, the working directory and every output's parent
 * directories that the inputs do not have, with the mode of input
 * directories (root-owned, 1777: the action can create its outputs there but
 * cannot remove the directories). Output directories themselves are not
 * created: REAPI leaves that to the action. Nothing is followed: a path
 * that runs into an input symlink or file is FAILED_PRECONDITION naming it,
 * since creating through an input symlink could reach outside the inputs.
 * Each directory is made by `make` (given a path that does not exist and
 * whose parent does), parents before children; by default mkdir(2) and
 * chmod(2) to the input directories' mode.
 */
export function createOutputParents(inputRoot: string, declared: DeclaredOutputs, make: (path: string) => void = makeInputModeDirectory): void {
  const created = new Set<string>();
  const ensure = (segments: readonly string[], forOutput: string): void => {
    let path = inputRoot;
    for (const [i, segment] of segments.entries()) {
      path = `${path}/${segment}`;
      if (created.has(path)) continue;
      // Missing is the common case (a fresh execroot): no exception for it.
      let info;
      try {
        info = lstatSync(path, { throwIfNoEntry: false });
      } catch {
        info = undefined;
      }
      if (info === undefined) {
        make(path);
        created.add(path);
        continue;
      }
      if (!info.isDirectory()) {
        const what = info.isSymbolicLink() ? 'a symlink, which is not followed' : 'not a directory';
        throw failedPrecondition(`${forOutput}: input ${JSON.stringify(segments.slice(0, i + 1).join('/'))} is ${what}`);
      }
      created.add(path);
    }
  };
  ensure(declared.workingDirectory, `working directory ${JSON.stringify(declared.workingDirectory.join('/'))}`);
  for (const output of declared.outputs) {
    ensure([...declared.workingDirectory, ...output.segments.slice(0, -1)], `output ${JSON.stringify(output.path)}`);
  }
}

function makeInputModeDirectory(path: string): void {
  mkdirSync(path, 0o755);
  chmodSync(path, INPUT_DIRECTORY_MODE);
}
