import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { etcFiles, finishRuntimeTree } from './runtime-etc.ts';
import { DEFAULT_SANDBOX_USER, sandboxUserFor } from './runtime-set.ts';
import { RuntimeTree } from './runtime-tree.ts';
import type { TarEntry } from './tar-archive.ts';

const text = (tree: RuntimeTree, path: string): string => {
  const node = tree.get(path);
  assert.equal(node?.kind, 'file', path);
  return (node as { data: Buffer }).data.toString();
};
const dash: TarEntry = { type: 'file', path: './bin/dash', mode: 0o755, linkname: '', data: Buffer.from('ELF') };

describe('finishRuntimeTree', () => {
  it('writes accounts for root and the sandbox user, and file-based name lookups', () => {
    const tree = new RuntimeTree({ mergedUsrAliases: [], trim: () => false });
    tree.addPackage('dash', [dash, { ...dash, path: './etc/passwd', data: Buffer.from('from a package\n') }]);
    finishRuntimeTree(tree, DEFAULT_SANDBOX_USER);
    assert.equal(text(tree, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n');
    assert.equal(text(tree, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    assert.match(text(tree, 'etc/hosts'), /^127\.0\.0\.1\tlocalhost\n/);
    assert.match(text(tree, 'etc/nsswitch.conf'), /^passwd: +files$/m);
    assert.deepEqual(tree.get('bin/sh'), { kind: 'symlink', target: 'dash', owner: '(runtime)' });
    assert.deepEqual(tree.get('tmp'), { kind: 'directory', mode: 0o1777 });
    assert.deepEqual(tree.get('proc'), { kind: 'directory', mode: 0o555 });
  });

  it('links /bin/sh inside /usr on a merged-/usr runtime and keeps a /bin/sh the package shipped', () => {
    const tree = new RuntimeTree({ mergedUsrAliases: ['bin'], trim: () => false });
    tree.addPackage('dash', [dash, { type: 'symlink', path: './bin/sh', mode: 0o777, linkname: 'bash', data: Buffer.alloc(0) }]);
    finishRuntimeTree(tree, DEFAULT_SANDBOX_USER);
    assert.equal(tree.get('usr/bin/sh')?.kind, 'symlink');
    assert.equal((tree.get('usr/bin/sh') as { target: string }).target, 'bash');
  });

  it('fails when there is no dash to be /bin/sh', () => {
    const tree = new RuntimeTree({ mergedUsrAliases: [], trim: () => false });
    assert.throws(() => finishRuntimeTree(tree, DEFAULT_SANDBOX_USER), /runtime has no \/bin\/dash/);
  });

  it('writes one account when the sandbox user is root', () => {
    assert.deepEqual(etcFiles(sandboxUserFor(0, 0)).find(([p]) => p === 'etc/passwd')?.[1], 'root:x:0:0:root:/root:/bin/bash\n');
  });
});
