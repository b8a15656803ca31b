// Prints the --nodedir for node-gyp: the headers of the Node.js running this
// script, found on disk, so that node-gyp never tries to download them (the
// machines that build actiond reach no such server). actiond-sandbox is a plain
// executable and includes no Node header, but node-gyp still reads common.gypi
// from a Node of the right version.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const nodeBinDir = path.dirname(realpathSync(process.execPath));
const candidates = [
  // An ordinary install: <prefix>/bin/node beside <prefix>/include/node.
  path.resolve(nodeBinDir, '..'),
];
try {
  // Node from the `node` npm package, which the workspace pins: its bin/node
  // is a copy of the binary of its platform package node-<platform>-<arch>,
  // and that package ships include/node.
  const nodePackage = createRequire(path.resolve(nodeBinDir, '..', 'package.json'));
  const platformPackage = `node-${process.platform}-${process.arch}/package.json`;
  candidates.push(path.dirname(nodePackage.resolve(platformPackage)));
} catch {
  // Not run by the npm package's Node; the first candidate is the only one.
}

function headerVersion(dir) {
  try {
    const header = readFileSync(path.join(dir, 'include/node/node_version.h'), 'utf8');
    const part = (name) => header.match(new RegExp(`^#define NODE_${name}_VERSION (\\d+)`, 'm'))?.[1];
    return `${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`;
  } catch {
    return undefined;
  }
}

const found = candidates.find(
  (dir) => existsSync(path.join(dir, 'include/node/common.gypi')) && headerVersion(dir) === process.versions.node,
);
if (found === undefined) {
  console.error(
    `node-headers-dir: no headers of Node.js ${process.versions.node} (${process.execPath}) in ${candidates.join(', ')}; ` +
      'node-gyp would try to download them',
  );
  process.exit(1);
}
console.log(found);
