import { chmod, link, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuntimeTree, TreeFile } from './runtime-tree.ts';

/**
 * Writes a runtime tree below `dir` (which must exist and be empty): paths
 * in sorted order, modes set explicitly (the umask plays no part),
 * hardlinked paths as real hardlinks. Ownership and timestamps are left to
 * mksquashfs, which overrides both. Directory modes are applied last so a
 * read-only directory such as /proc can still be filled first.
 */
export async function writeTree(tree: RuntimeTree, dir: string): Promise<void> {
  const firstPath = new Map<TreeFile, string>();
  const dirModes: Array<[string, number]> = [];
  for (const [path, node] of tree.entries()) {
    const target = join(dir, path);
    if (node.kind === 'directory') {
      if (path !== '') await mkdir(target);
      dirModes.push([target, node.mode]);
    } else if (node.kind === 'symlink') {
      await symlink(node.target, target);
    } else {
      const earlier = firstPath.get(node);
      if (earlier !== undefined) {
        await link(earlier, target);
        continue;
      }
      await writeFile(target, node.data, { flag: 'wx' });
      await chmod(target, node.mode);
      firstPath.set(node, target);
    }
  }
  for (const [path, mode] of dirModes.reverse()) await chmod(path, mode);
}
