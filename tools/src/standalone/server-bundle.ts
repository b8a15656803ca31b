import { build, type Message } from 'esbuild';

/** Variable the bundle's banner defines; `import.meta.url` is replaced by it. */
const BUNDLE_URL = '__actiondBundleUrl';

/** What went into a bundle. */
export interface ServerBundle {
  /** The bundle file written. */
  readonly path: string;
  /** How many source files (ours and our dependencies') it holds. */
  readonly inputs: number;
}

/**
 * Bundles the server's entry point and everything it imports (workspace
 * packages from their .ts sources, npm dependencies) into one CommonJS file,
 * the form Node 24 runs as a single-executable application's main script
 * (`"mainFormat": "module"` arrived in Node 25).
 *
 * `import.meta.url` has no meaning in CommonJS; it becomes the bundle's own
 * file URL (in a single-executable application, the executable), so a module
 * that resolves a checkout path from it gets a path that does not exist
 * instead of a crash at load. Modules that need real files take them from
 * the standalone assets (cmd/linux_actiond/src/serve-assets.ts).
 *
 * Any esbuild warning fails the build: in a bundle, an unresolved dynamic
 * require or a dropped `import.meta` is a run-time failure waiting for a
 * code path.
 */
export async function bundleServer(entryPoint: string, outfile: string): Promise<ServerBundle> {
  const result = await build({
    entryPoints: [entryPoint],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    define: { 'import.meta.url': BUNDLE_URL },
    banner: { js: `var ${BUNDLE_URL} = require('node:url').pathToFileURL(__filename).href;` },
    metafile: true,
    logLevel: 'silent',
  });
  if (result.warnings.length > 0) {
    throw new Error(`esbuild warned while bundling ${entryPoint}:\n${result.warnings.map(formatMessage).join('\n')}`);
  }
  return { path: outfile, inputs: Object.keys(result.metafile.inputs).length };
}

function formatMessage(message: Message): string {
  const where = message.location === null ? '' : `${message.location.file}:${message.location.line}: `;
  return `  ${where}${message.text}`;
}
