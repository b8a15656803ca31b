import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../vm/run-command.ts';

/** What goes into the single-executable-application blob. */
export interface SeaBlobInput {
  /** The bundled main script (CommonJS). */
  readonly main: string;
  /** SEA asset key -> file, read at run time with `node:sea`. */
  readonly assets: Readonly<Record<string, string>>;
  /**
   * Compile the main script into V8's code cache at build time, so the
   * binary starts without parsing it. Only when the blob is made by the
   * Node.js binary that will run it: the cache is specific to the CPU and
   * the V8 build.
   */
  readonly useCodeCache: boolean;
}

/**
 * The sea-config.json for Node 24's `--experimental-sea-config`. No
 * execArgv: the binary takes no Node.js options, every argument is the
 * server's. The experimental-feature warning is off: it would break the
 * one-line-reason promise of `linux-actiond` on stderr.
 */
export function seaConfig(input: SeaBlobInput, output: string): object {
  return {
    main: input.main,
    output,
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache: input.useCodeCache,
    assets: input.assets,
  };
}

/**
 * Writes `<workDir>/sea-config.json` and has `node` turn it into the
 * preparation blob `<workDir>/sea-prep.blob`, which it returns. `node` must
 * be the Node.js version of the binary the blob goes into.
 */
export async function prepareSeaBlob(node: string, input: SeaBlobInput, workDir: string): Promise<string> {
  const output = join(workDir, 'sea-prep.blob');
  const config = join(workDir, 'sea-config.json');
  await writeFile(config, `${JSON.stringify(seaConfig(input, output), null, 2)}\n`);
  await runCommand(node, ['--experimental-sea-config', config], { cwd: workDir });
  return output;
}
