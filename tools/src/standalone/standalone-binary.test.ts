import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { chmod, copyFile, mkdir, mkdtemp, readFile, readlink, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { CapabilitiesClient, bytestream, type GetCapabilitiesRequest, type ServerCapabilities } from '@actiond/proto';
import { REPO_ROOT } from '../vm/repo-paths.ts';
import { checkElfArch } from './elf-arch-check.ts';
import { hostStandaloneArchName, standaloneArch } from './standalone-arch.ts';
import { buildStandalone, type StandaloneBuild } from './standalone-build.ts';

// The standalone binary as an operator gets it: built (about 140 MB, several
// seconds, so only with ACTIOND_STANDALONE_TESTS=1), copied alone to a
// directory outside the repository, and run with an environment whose PATH
// has no Node.js. It must behave like `node cmd/linux_actiond/src/main.ts`
// and serve from the assets it carries. Needs build/runtimes/ (pnpm
// runtimes:build --arch <this CPU>).

const ENABLED = process.env['ACTIOND_STANDALONE_TESTS'] === '1';
const MAIN = join(REPO_ROOT, 'cmd', 'linux_actiond', 'src', 'main.ts');
/** The exit status actiond-sandbox documents for "setup failed" (services/sandbox-runner/native/README.md). */
const HELPER_SETUP_FAILED = 125;

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface Running {
  readonly child: ChildProcess;
  readonly stderr: () => string;
}

describe('linux-actiond-standalone', { skip: ENABLED ? false : 'set ACTIOND_STANDALONE_TESTS=1 to build and run the standalone binary' }, () => {
  let work: string;
  let built: StandaloneBuild;
  /** The copied binary, alone in its directory. */
  let binary: string;
  /** The only directory on the binary's PATH: empty, so no `node` (nor anything else) can be found. */
  let emptyPath: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'actiond-standalone-'));
    const archName = hostStandaloneArchName();
    assert.ok(archName !== undefined, `no standalone build for ${process.arch}`);
    built = await buildStandalone({
      arch: standaloneArch(archName),
      repoRoot: REPO_ROOT,
      outDir: join(work, 'build'),
      runtimes: true,
      nodeCacheDir: join(work, 'node-cache'),
      log: () => {},
    });
    await mkdir(join(work, 'bin'));
    binary = join(work, 'bin', 'linux-actiond-standalone');
    await copyFile(built.path, binary);
    await rm(join(work, 'build'), { recursive: true });
    await chmod(binary, 0o755);
    emptyPath = join(work, 'empty-path');
    await mkdir(emptyPath);
  });
  after(() => rm(work, { recursive: true, force: true }));

  function start(args: readonly string[]): Running {
    const child = spawn(binary, args, { cwd: join(work, 'bin'), env: { PATH: emptyPath }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    return { child, stderr: () => stderr };
  }

  async function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Exit> {
    const child = spawn(command, args, { cwd: join(work, 'bin'), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, stdout, stderr };
  }

  const standalone = (args: readonly string[]) => run(binary, args, { PATH: emptyPath });
  const checkout = (args: readonly string[]) => run(process.execPath, [MAIN, ...args], process.env);

  async function waitForLine(running: Running, pattern: RegExp): Promise<RegExpExecArray> {
    for (;;) {
      const match = pattern.exec(running.stderr());
      if (match) return match;
      if (running.child.exitCode !== null) assert.fail(`the binary exited with ${running.child.exitCode} before printing ${pattern}:\n${running.stderr()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function stop(running: Running): Promise<number | null> {
    running.child.kill('SIGTERM');
    if (running.child.exitCode === null) await once(running.child, 'exit');
    return running.child.exitCode;
  }

  test('is one file that carries the helper and the runtime image, built from the pinned Node.js', async () => {
    assert.deepEqual(await readdir(join(work, 'bin')), ['linux-actiond-standalone']);
    assert.ok(built.runtimeImage !== undefined);
    const image = await readFile(join(REPO_ROOT, 'build', 'runtimes', built.runtimeImage.name));
    assert.equal(built.runtimeImage.sha256, createHash('sha256').update(image).digest('hex'));
    assert.ok(built.size > image.length, `the binary (${built.size} bytes) is smaller than the image it carries`);
  });

  test('prints the same version, help and usage errors as the checkout, with no Node.js on PATH', async () => {
    for (const args of [['--version'], ['--help'], ['serve', '--help']]) {
      const [alone, reference] = await Promise.all([standalone(args), checkout(args)]);
      assert.deepEqual(alone, { ...reference, code: 0 }, args.join(' '));
    }
    const [alone, reference] = await Promise.all([standalone(['serve', '--bogus']), checkout(['serve', '--bogus'])]);
    assert.equal(alone.code, 2);
    assert.deepEqual(alone, reference);
  });

  test('serves Capabilities and ByteStream from a root outside the repository, runs as itself, and stops with 0 on SIGTERM', async () => {
    const root = join(work, 'root');
    const running = start(['serve', '--listen=127.0.0.1:0', `--root=${root}`]);
    let client: CapabilitiesClient | undefined;
    let bs: bytestream.ByteStreamClient | undefined;
    try {
      const [, port] = await waitForLine(running, /serving REAPI on 127\.0\.0\.1:(\d+) /);
      // The process is the binary itself (no `node` was looked up or exec'd), with no children.
      assert.equal(await readlink(`/proc/${running.child.pid}/exe`), binary);
      const children = await Promise.all(
        (await readdir(`/proc/${running.child.pid}/task`)).map((t) => readFile(`/proc/${running.child.pid}/task/${t}/children`, 'utf8')),
      );
      assert.equal(children.join('').trim(), '');

      const address = `127.0.0.1:${port}`;
      client = new CapabilitiesClient(address, grpc.credentials.createInsecure());
      const capabilities = await new Promise<ServerCapabilities>((resolve, reject) =>
        client!.getCapabilities({ instanceName: '' } as GetCapabilitiesRequest, (e, r) => (e ? reject(e) : resolve(r))),
      );
      assert.ok(capabilities.cacheCapabilities?.actionCacheUpdateCapabilities?.updateEnabled);

      bs = new bytestream.ByteStreamClient(address, grpc.credentials.createInsecure());
      const data = Buffer.from(`written through the standalone binary ${randomUUID()}\n`);
      const hash = createHash('sha256').update(data).digest('hex');
      const committed = await new Promise<number>((resolve, reject) => {
        const call = bs!.write((e, r) => (e ? reject(e) : resolve(Number(r.committedSize))));
        call.write({ resourceName: `uploads/${randomUUID()}/blobs/${hash}/${data.length}`, writeOffset: 0, finishWrite: true, data });
        call.end();
      });
      assert.equal(committed, data.length);
      const chunks: Buffer[] = [];
      await new Promise<void>((resolve, reject) => {
        const call = bs!.read({ resourceName: `blobs/${hash}/${data.length}`, readOffset: 0, readLimit: 0 });
        call.on('data', (r: { data: Buffer }) => chunks.push(r.data));
        call.on('end', resolve);
        call.on('error', reject);
      });
      assert.deepEqual(Buffer.concat(chunks), data);
    } finally {
      client?.close();
      bs?.close();
      assert.equal(await stop(running), 0, running.stderr());
    }
    assert.match(running.stderr(), /linux-actiond: SIGTERM received, stopping\nlinux-actiond: stopped\n$/);
  });

  test('extracts the helper (0755, runnable) and the runtime image (0444) under <root>/.standalone/<sha256>/, once', async () => {
    const root = join(work, 'root-assets');
    const serveOnce = async () => {
      const running = start(['serve', '--listen=127.0.0.1:0', `--root=${root}`]);
      await waitForLine(running, /serving REAPI on /);
      assert.equal(await stop(running), 0, running.stderr());
    };
    await serveOnce();
    const helper = join(root, '.standalone', built.sandboxHelper.sha256, 'actiond-sandbox');
    const image = join(root, '.standalone', built.runtimeImage!.sha256, built.runtimeImage!.name);
    assert.equal((await stat(helper)).mode & 0o7777, 0o755);
    assert.equal((await stat(image)).mode & 0o7777, 0o444);
    assert.equal(createHash('sha256').update(await readFile(image)).digest('hex'), built.runtimeImage!.sha256);
    assert.equal(createHash('sha256').update(await readFile(helper)).digest('hex'), built.sandboxHelper.sha256);
    // The real static helper: it runs with an empty environment and refuses a missing argv.
    const refused = await run(helper, [], {});
    assert.equal(refused.code, HELPER_SETUP_FAILED);
    assert.match(refused.stderr, /missing '--' before the action's argv/);

    const before = [(await stat(helper)).ino, (await stat(image)).ino];
    await serveOnce();
    assert.deepEqual([(await stat(helper)).ino, (await stat(image)).ino], before, 'a second start reuses the extracted files');
    assert.deepEqual((await readdir(join(root, '.standalone'))).sort(), [built.sandboxHelper.sha256, built.runtimeImage!.sha256].sort());
  });
});

describe('linux-actiond-standalone for the other CPU', { skip: ENABLED ? false : 'set ACTIOND_STANDALONE_TESTS=1 to build and run the standalone binary' }, () => {
  // Cross-built without runtimes (the test needs no second image), with the
  // other CPU's Node.js fetched once into build/standalone/node-cache, and run
  // under QEMU user emulation.
  const arch = standaloneArch(hostStandaloneArchName() === 'x86_64' ? 'aarch64' : 'x86_64');
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'actiond-standalone-cross-'));
  });
  after(() => rm(work, { recursive: true, force: true }));

  test('builds, carries a static helper for that CPU, and serves under emulation', async () => {
    const built = await buildStandalone({
      arch,
      repoRoot: REPO_ROOT,
      outDir: join(work, 'build'),
      runtimes: false,
      nodeCacheDir: join(REPO_ROOT, 'build', 'standalone', 'node-cache'),
      log: () => {},
    });
    assert.equal(built.runtimeImage, undefined);
    const root = join(work, 'root');
    const [emulator, ...emulatorArgs] = arch.emulator;
    const child = spawn(emulator!, [...emulatorArgs, built.path, 'serve', '--listen=127.0.0.1:0', `--root=${root}`], { env: {}, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    while (!/serving REAPI on 127\.0\.0\.1:\d+ /.test(stderr)) {
      if (child.exitCode !== null) assert.fail(`exited with ${child.exitCode}:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
    assert.equal(child.exitCode, 0, stderr);
    assert.deepEqual(await readdir(join(root, '.standalone')), [built.sandboxHelper.sha256]);
    await checkElfArch(join(root, '.standalone', built.sandboxHelper.sha256, 'actiond-sandbox'), arch, 'static', 'extracted actiond-sandbox');
  });
});
