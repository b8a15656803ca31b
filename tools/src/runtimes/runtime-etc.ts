import type { RuntimeTree } from './runtime-tree.ts';
import type { SandboxUser } from './runtime-set.ts';

/** Directories that exist empty in every runtime so the sandbox can mount over them in a read-only image. */
export const MOUNT_POINTS: ReadonlyArray<readonly [string, number]> = [
  ['dev', 0o755],
  ['proc', 0o555],
  ['sys', 0o555],
  ['run', 0o755],
  ['tmp', 0o1777],
  ['var/tmp', 0o1777],
];

/**
 * The /etc every runtime shares, replacing whatever packages shipped at
 * those paths. Only what name lookups in an offline sandbox need: localhost,
 * file-based NSS, and accounts for root and the sandbox user.
 */
export function etcFiles(user: SandboxUser): ReadonlyArray<readonly [string, string]> {
  return [
    ['etc/hosts', '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n'],
    [
      'etc/nsswitch.conf',
      'passwd:    files\ngroup:     files\nshadow:    files\nhosts:     files dns\nnetworks:  files\n' +
        'protocols: files\nservices:  files\nethers:    files\nrpc:       files\n',
    ],
    [
      'etc/passwd',
      user.uid === 0
        ? 'root:x:0:0:root:/root:/bin/bash\n'
        : `root:x:0:0:root:/root:/bin/bash\n${user.user}:x:${user.uid}:${user.gid}:${user.user}:${user.home}:/bin/sh\n`,
    ],
    ['etc/group', user.gid === 0 ? 'root:x:0:\n' : `root:x:0:\n${user.group}:x:${user.gid}:\n`],
  ];
}

/**
 * Finishes a runtime tree after its packages are in: /bin/sh, /etc, and the
 * mount points. /bin/sh points to dash, as on Debian, when the dash package
 * did not already ship the link (bookworm's dash creates it in a maintainer
 * script we do not run).
 */
export function finishRuntimeTree(tree: RuntimeTree, user: SandboxUser): void {
  if (tree.resolve('bin/dash')?.node.kind !== 'file') throw new Error('runtime has no /bin/dash to point /bin/sh at');
  tree.addSymlinkIfMissing('bin/sh', 'dash');
  for (const [path, text] of etcFiles(user)) tree.writeFile(path, text);
  for (const [path, mode] of MOUNT_POINTS) tree.addDirectory(path, mode);
}
