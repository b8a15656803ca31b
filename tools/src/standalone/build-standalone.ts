import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../vm/repo-paths.ts';
import { hostStandaloneArchName, standaloneArch } from './standalone-arch.ts';
import { buildStandalone } from './standalone-build.ts';

const USAGE = `usage: pnpm standalone:build [--arch x86_64|aarch64] [--no-runtimes | --runtime-image FILE] [--sandbox-helper FILE] [--node FILE] [--out DIR]

Builds DIR/linux-actiond-standalone-<arch> (DIR: build/standalone): one
executable that runs \`linux-actiond\` on a Linux host without Node.js. It
is the Node.js the workspace pins, with the bundled server, the static
actiond-sandbox helper and build/runtimes/runtimes-<arch>.squashfs embedded
(a Node.js single-executable application). --arch defaults to this machine's CPU; the
other CPU's Node.js is fetched once with npm pack into DIR/node-cache.
--no-runtimes leaves the runtime image out (a test build). --runtime-image and
--sandbox-helper embed the given files instead of build/runtimes/ and the
node-gyp (or cross-compiled) helper, and --node is this CPU's Node.js of the
pinned version instead of node_modules/node/bin/node: Bazel passes the
files it built and its Node.js toolchain's.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      arch: { type: 'string' },
      'no-runtimes': { type: 'boolean' },
      'runtime-image': { type: 'string' },
      'sandbox-helper': { type: 'string' },
      node: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const archName = values.arch ?? hostStandaloneArchName();
  if (archName === undefined) throw new Error(`this machine's CPU (${process.arch}) is not one the standalone binary is built for; pass --arch`);
  const outDir = resolve(values.out ?? join(REPO_ROOT, 'build', 'standalone'));
  const started = Date.now();
  const built = await buildStandalone({
    arch: standaloneArch(archName),
    repoRoot: REPO_ROOT,
    outDir,
    runtimes: values['no-runtimes'] !== true,
    ...(values['runtime-image'] === undefined ? {} : { runtimeImage: resolve(values['runtime-image']) }),
    ...(values['sandbox-helper'] === undefined ? {} : { sandboxHelper: resolve(values['sandbox-helper']) }),
    ...(values.node === undefined ? {} : { hostNode: resolve(values.node) }),
    nodeCacheDir: join(outDir, 'node-cache'),
    log: (line) => void process.stderr.write(`standalone:build: ${line}\n`),
  });
  const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
  const image = built.runtimeImage === undefined ? 'no runtime image' : `${built.runtimeImage.name} ${mib(built.runtimeImage.size)}`;
  process.stdout.write(
    `${built.path}: ${mib(built.size)} (Node.js ${built.nodeVersion}, ${built.bundleInputs} bundled sources, ` +
      `actiond-sandbox ${mib(built.sandboxHelper.size)}, ${image}), ${((Date.now() - started) / 1000).toFixed(1)}s\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`standalone:build: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
