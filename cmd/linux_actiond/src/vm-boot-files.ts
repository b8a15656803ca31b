import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, link, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as sea from 'node:sea';
import type { VmArch } from '@actiond/vm-host';

/** The files a VM boots from. */
export interface VmBootFiles {
  readonly kernel: string;
  readonly initramfs: string;
  readonly systemImage: string;
  /** Undefined when none was asked for. */
  readonly runtimeImage: string | undefined;
}

/**
 * Where serve-vm gets the boot files its command line does not name. A
 * checkout builds them (below); the standalone binaries will carry them
 * embedded (a later issue).
 */
export interface VmBootFileSource {
  /** Resolves with every file; progress lines go to `log`; rejects with a one-line reason. */
  files(arch: VmArch, options: { readonly runtimes: boolean }, log: (line: string) => void): Promise<VmBootFiles>;
}

/** The checkout this file is in (computed on demand: in a bundle import.meta.url is not this file). */
function checkoutRoot(): string {
  return fileURLToPath(new URL('../../../', import.meta.url));
}

/**
 * Boot files built from the checkout by tools/src/vm/vm-artifacts-cli.ts,
 * run with this process's Node.js: each is cached by a hash of its inputs,
 * so this costs a few seconds when nothing changed, and up to several minutes
 * the first time (the kernel build).
 */
export class RepositoryVmBootFiles implements VmBootFileSource {
  readonly #repository: string;

  /** `repository` defaults to the checkout holding this file. */
  constructor(repository?: string) {
    this.#repository = repository ?? checkoutRoot();
  }

  files(arch: VmArch, options: { readonly runtimes: boolean }, log: (line: string) => void): Promise<VmBootFiles> {
    const cli = join(this.#repository, 'tools', 'src', 'vm', 'vm-artifacts-cli.ts');
    if (sea.isSea() || !existsSync(cli)) {
      return Promise.reject(
        new Error('this binary carries no VM images and is not running from a checkout: pass --kernel, --initramfs, --system-image and --runtime-image'),
      );
    }
    const args = [cli, '--arch', arch, ...(options.runtimes ? [] : ['--no-runtimes'])];
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, args, { cwd: this.#repository, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let lastLine = '';
      let partial = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        const lines = (partial + d).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          if (line.trim() === '') continue;
          lastLine = line;
          log(line);
        }
      });
      child.on('error', (error) => reject(new Error(`cannot run ${cli}: ${error.message}`)));
      child.on('close', (code) => {
        if (code !== 0) {
          reject(new Error(`building the VM images failed: ${(partial || lastLine).replace(/^vm-artifacts: /, '') || `status ${code}`}`));
          return;
        }
        try {
          resolve(JSON.parse(stdout) as VmBootFiles);
        } catch {
          reject(new Error(`${cli} printed no JSON: ${JSON.stringify(stdout.slice(0, 200))}`));
        }
      });
    });
  }
}

/**
 * Gives the kernel, initramfs and system image a second name under `dir`
 * (`<root>/boot/`) and returns the files with those paths: a hard link, or a
 * copy when `dir` is on another filesystem. The checkout's caches replace and
 * prune these files as the code changes, and a VM restarted hours later must
 * boot what the first boot did. (The runtime image is not pinned: like
 * `serve`, a restarted guest takes the current one.)
 */
export async function pinBootFiles(files: VmBootFiles, dir: string): Promise<VmBootFiles> {
  await mkdir(dir, { recursive: true });
  const pin = async (source: string, name: string): Promise<string> => {
    const target = join(dir, name);
    const temporary = join(dir, `.${name}.${process.pid}`);
    await rm(temporary, { force: true });
    try {
      await link(source, temporary);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw new Error(`cannot pin ${source} as ${target}: ${(error as Error).message}`);
      await copyFile(source, temporary);
    }
    // rename() replaces the previous start's file atomically; a VM still booted from it keeps its inode.
    await rename(temporary, target);
    return target;
  };
  return {
    kernel: await pin(files.kernel, 'kernel'),
    initramfs: await pin(files.initramfs, 'initramfs.cpio.zst'),
    systemImage: await pin(files.systemImage, 'system.squashfs'),
    runtimeImage: files.runtimeImage,
  };
}
