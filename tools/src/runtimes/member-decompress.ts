import { spawn } from 'node:child_process';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';

/**
 * Decompresses a .deb member by its name's suffix: `.zst` and `.gz` with
 * Node's zlib, `.xz` with the `xz` program, plain `.tar` as is.
 *
 * Why the `xz` binary: xz-utils is installed on every Debian and Ubuntu
 * system (dpkg itself depends on liblzma), it is the reference
 * implementation, and it verifies the stream's integrity check. The npm
 * alternatives are either native addons that need a compiler at install time
 * (lzma-native) or little-used pure-JS decoders; neither is better kept than
 * the tool the archive itself is built with.
 */
export async function decompressMember(name: string, data: Buffer, label: string): Promise<Buffer> {
  try {
    if (name.endsWith('.tar')) return data;
    if (name.endsWith('.zst')) return zstdDecompressSync(data);
    if (name.endsWith('.gz')) return gunzipSync(data);
    if (name.endsWith('.xz')) return await runXz(data);
  } catch (e) {
    throw new Error(`${label}: cannot decompress ${name}: ${(e as Error).message}`);
  }
  throw new Error(`${label}: unsupported compression for member ${JSON.stringify(name)}`);
}

function runXz(data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('xz', ['--decompress', '--stdout', '--single-stream'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => reject(new Error(`cannot run xz: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`xz exited with ${code}: ${Buffer.concat(err).toString().trim()}`));
    });
    child.stdin.on('error', () => {}); // xz may exit early on corrupt input; its exit status reports why.
    child.stdin.end(data);
  });
}
