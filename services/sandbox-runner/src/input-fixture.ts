// Test support: a throw-away on-disk CAS, input trees stored into it from a
// compact description, and a DirectorySource over it. Not exported from
// index.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskBlobAccess } from '@actiond/blobstore';
import type { BlobAccess } from '@actiond/blobstore';
import { Digest } from '@actiond/digest';
import { Directory } from '@actiond/proto';
import type { DirectorySource } from './directory-source.ts';

/** A file, executable file, symlink or directory of a {@link TreeSpec}. */
export type NodeSpec =
  | { readonly kind: 'file'; readonly content: Buffer; readonly executable: boolean }
  | { readonly kind: 'symlink'; readonly target: string }
  | TreeSpec;

/** A directory: names to nodes. */
export interface TreeSpec {
  readonly [name: string]: NodeSpec;
}

export function file(content: string | Buffer): NodeSpec {
  return { kind: 'file', content: Buffer.from(content), executable: false };
}

export function executable(content: string | Buffer): NodeSpec {
  return { kind: 'file', content: Buffer.from(content), executable: true };
}

export function symlink(target: string): NodeSpec {
  return { kind: 'symlink', target };
}

function isLeaf(node: NodeSpec): node is { kind: 'file'; content: Buffer; executable: boolean } | { kind: 'symlink'; target: string } {
  return typeof node.kind === 'string';
}

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Stores every blob and Directory of `spec` (canonical: entries sorted by name) and returns the root's digest. */
export async function storeTree(blobs: BlobAccess, spec: TreeSpec): Promise<Digest> {
  const directory = Directory.create();
  for (const name of Object.keys(spec).sort(byBytes)) {
    const node = spec[name]!;
    if (!isLeaf(node)) {
      const digest = await storeTree(blobs, node as TreeSpec);
      directory.directories.push({ name, digest });
    } else if (node.kind === 'file') {
      const digest = blobs.digestFunction.compute(node.content);
      await blobs.put(digest, node.content);
      directory.files.push({ name, digest, isExecutable: node.executable, nodeProperties: undefined });
    } else {
      directory.symlinks.push({ name, target: node.target, nodeProperties: undefined });
    }
  }
  return storeDirectory(blobs, directory);
}

/** Stores one Directory message as is (malformed ones included) and returns its digest. */
export async function storeDirectory(blobs: BlobAccess, directory: Directory): Promise<Digest> {
  const bytes = Buffer.from(Directory.encode(directory).finish());
  const digest = blobs.digestFunction.compute(bytes);
  await blobs.put(digest, bytes);
  return digest;
}

/** Directory messages read straight from a BlobAccess, parsed on every call. */
export class BlobDirectorySource implements DirectorySource {
  readonly #blobs: BlobAccess;

  constructor(blobs: BlobAccess) {
    this.#blobs = blobs;
  }

  async getDirectory(digest: Digest): Promise<Directory> {
    return Directory.decode(await this.#blobs.get(digest));
  }
}

/** A scratch directory holding a CAS at `<root>/cas`, removed by `dispose`. */
export interface TestStore {
  readonly root: string;
  readonly blobs: DiskBlobAccess;
  dispose(): Promise<void>;
}

export async function openTestStore(): Promise<TestStore> {
  const root = await mkdtemp(join(tmpdir(), 'sandbox-runner-test-'));
  const blobs = await DiskBlobAccess.open({ directory: join(root, 'cas') });
  return { root, blobs, dispose: () => rm(root, { recursive: true, force: true }) };
}

/** Parses a digest from its REAPI fields, for assertions. */
export function digestOf(proto: { hash: string; sizeBytes: number } | undefined): Digest {
  if (proto === undefined) throw new Error('no digest');
  return Digest.parse(proto.hash, proto.sizeBytes);
}
