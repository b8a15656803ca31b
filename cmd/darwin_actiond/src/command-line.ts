import { defineCli } from '@actiond/cli';
import { ACTIOND_VERSION, serveVmCommand } from '@actiond/linux_actiond';

/**
 * The command line of `darwin-actiond`: serve-vm only. A Mac (or any host
 * where actions must not run directly) is a local Linux remote-execution
 * worker by running them in a VM; the flags are linux-actiond serve-vm's.
 */
export const darwinActiondCli = defineCli({
  name: 'darwin-actiond',
  version: ACTIOND_VERSION,
  description: 'A local, hermetic Remote Execution API (REAPI v2) worker and cache for Bazel that runs actions in a Linux VM.',
  commands: { 'serve-vm': serveVmCommand },
});
