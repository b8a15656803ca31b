import { createRequire } from 'node:module';
import { runCommand } from '../vm/run-command.ts';

/**
 * The fuse Node.js checks at startup for an injected blob; the value in the
 * docs of every Node.js release with single-executable applications.
 */
export const NODE_SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** The ELF note Node.js reads the blob from. */
const SEA_RESOURCE = 'NODE_SEA_BLOB';

/** postject's command line (the package has no exports map, so its files resolve directly). */
const POSTJECT_CLI = createRequire(import.meta.url).resolve('postject/dist/cli.js');

/**
 * What postject prints on success: its progress, and a warning from LIEF for
 * each of the Node.js binary's unnamed ELF notes (Node.js has hundreds; they
 * are left alone and the binary works).
 */
const EXPECTED_OUTPUT = [/Start injection of NODE_SEA_BLOB/, /Injection done!/, /^warning: Can't find string offset for section name '\.note(\.\d+)?'$/];

/**
 * Injects the preparation blob into `executable` (a copy of the Node.js
 * binary, rewritten in place) with postject, run by `node`, and flips the
 * fuse so Node.js runs the blob's main script instead of its own command
 * line. Output other than postject's usual is passed to `log`.
 */
export async function injectSeaBlob(node: string, executable: string, blob: string, log: (line: string) => void): Promise<void> {
  const { stdout, stderr } = await runCommand(node, [POSTJECT_CLI, executable, SEA_RESOURCE, blob, '--sentinel-fuse', NODE_SEA_FUSE]);
  for (const line of unexpectedLines(`${stdout}\n${stderr}`)) log(`postject: ${line}`);
}

/** The lines of postject's output that are not in {@link EXPECTED_OUTPUT}. */
export function unexpectedLines(output: string): string[] {
  return output
    .split('\n')
    .map((line) => line.replace(/\x1b\[[0-9;]*m/g, '').trim())
    .filter((line) => line !== '' && !EXPECTED_OUTPUT.some((pattern) => pattern.test(line)));
}
