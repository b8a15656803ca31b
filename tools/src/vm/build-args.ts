/** The options shared by the vm build commands (build-kernel, build-initramfs). */
export interface BuildArgs {
  readonly arch: string;
  readonly outDir: string;
  readonly jobs?: number;
  readonly cacheDir?: string;
}

/**
 * Parses `--arch ARCH --out DIR` plus, where allowed, `--jobs N` and
 * `--cache DIR` (each also as --flag=value). Throws naming the flag for an
 * unknown or repeated flag, a missing value, a bad --jobs, or a missing
 * required flag.
 */
export function parseBuildArgs(argv: readonly string[], allowed: readonly ('jobs' | 'cache')[] = []): BuildArgs {
  const values = new Map<string, string>();
  const known = new Set(['arch', 'out', ...allowed]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (m === null) throw new Error(`unexpected argument '${arg}' (flags: ${[...known].map((k) => `--${k}`).join(' ')})`);
    const name = m[1] ?? '';
    if (!known.has(name)) throw new Error(`unknown flag --${name} (flags: ${[...known].map((k) => `--${k}`).join(' ')})`);
    if (values.has(name)) throw new Error(`flag --${name} is given twice`);
    let value = m[2];
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new Error(`flag --${name} needs a value`);
    }
    if (value === '') throw new Error(`flag --${name} needs a non-empty value`);
    values.set(name, value);
  }
  const arch = values.get('arch');
  const outDir = values.get('out');
  if (arch === undefined) throw new Error('missing --arch (x86_64 or aarch64)');
  if (outDir === undefined) throw new Error('missing --out DIR');
  const jobsText = values.get('jobs');
  let jobs: number | undefined;
  if (jobsText !== undefined) {
    jobs = Number(jobsText);
    if (!/^[1-9][0-9]*$/.test(jobsText)) throw new Error(`--jobs must be a positive integer, got '${jobsText}'`);
  }
  const cacheDir = values.get('cache');
  return { arch, outDir, ...(jobs === undefined ? {} : { jobs }), ...(cacheDir === undefined ? {} : { cacheDir }) };
}
