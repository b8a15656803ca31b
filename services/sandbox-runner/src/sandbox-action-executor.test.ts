// The executor end to end on this host: real CAS, sandbox, cgroups.
// Hostile actions have their own file (sandbox-hostile-actions.test.ts).
import { test } from 'node:test';
import { lstatSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { SHA256 } from '@actiond/digest';
import { PreconditionFailureDetail, unpackDetails } from '@actiond/status';
import { Directory, Tree } from '@actiond/proto';
import { bash, needsExecutor, withExecutor } from './executor-fixture.ts';
import { executable, file, storeDirectory } from './input-fixture.ts';
import { PLATFORM_PROPERTY_NAMES } from './platform-properties.ts';

const skip = needsExecutor;
const options = { skip, timeout: 60_000 };

test('an action reads its inputs, writes its outputs, and they come back through the CAS', options, () =>
  withExecutor(async (h) => {
    const script = '#!/bin/bash\ntr a-z A-Z < "$1" > "$2"\n';
    const { response, timings } = await h.run({
      inputs: { pkg: { 'in.txt': file('hello\n'), 'gen.sh': executable(script) } },
      command: bash('pkg/gen.sh pkg/in.txt out/upper.txt && mkdir -p tree/sub && echo x > tree/sub/x && echo done && echo warn >&2; exit 0', {
        outputFiles: ['out/upper.txt'],
        outputDirectories: ['tree'],
      }),
    });
    assert.deepEqual(response.status, { code: status.OK, message: '', details: [] });
    const result = response.result!;
    assert.equal(result.exitCode, 0);
    assert.equal((await h.blob(result.stdoutDigest)).toString(), 'done\n');
    assert.equal((await h.blob(result.stderrDigest)).toString(), 'warn\n');
    assert.equal(result.outputFiles[0]!.path, 'out/upper.txt');
    assert.equal((await h.blob(result.outputFiles[0]!.digest)).toString(), 'HELLO\n');
    const tree = Tree.decode(await h.blob(result.outputDirectories[0]!.treeDigest));
    assert.deepEqual(tree.root!.directories.map((d) => d.name), ['sub']);
    assert.equal(tree.children[0]!.files[0]!.name, 'x');
    const metadata = result.executionMetadata!;
    for (const key of ['workerStartTimestamp', 'inputFetchStartTimestamp', 'executionStartTimestamp', 'executionCompletedTimestamp', 'outputUploadCompletedTimestamp', 'workerCompletedTimestamp'] as const) {
      assert.ok(metadata[key] !== undefined, key);
    }
    assert.equal(timings.filesLinked, 2);
    assert.equal(timings.bytesLinked, 6 + script.length);
    // The CAS made the script's executable variant by copying it, once.
    assert.deepEqual([timings.filesCopied, timings.bytesCopied], [1, script.length]);
    assert.ok(timings.runMs > 0);
    assert.deepEqual(await h.leftovers(), [], 'the action directory is removed');
  }));

test('the working directory is relative to the input root and outputs are relative to it', options, () =>
  withExecutor(async (h) => {
    const { response } = await h.run({
      inputs: { a: { b: { 'f.txt': file('in b') } } },
      command: bash('pwd; cat f.txt > copy.txt', { workingDirectory: 'a/b', outputPaths: ['copy.txt', 'gen/nothing'] }),
    });
    assert.equal(response.status?.code, status.OK, response.status?.message);
    assert.equal((await h.blob(response.result!.stdoutDigest)).toString(), '/work/a/b\n');
    assert.equal((await h.blob(response.result!.outputFiles[0]!.digest)).toString(), 'in b');
  }));

test('stdout and stderr files are reused between actions, yet each result holds only its own output (empty: the empty digest)', options, () =>
  withExecutor(async (h) => {
    const first = await h.run({ command: bash('echo one; echo err-one >&2') });
    const quiet = await h.run({ command: bash('true') });
    const third = await h.run({ command: bash('echo three') });
    assert.equal((await h.blob(first.response.result!.stdoutDigest)).toString(), 'one\n');
    assert.equal((await h.blob(first.response.result!.stderrDigest)).toString(), 'err-one\n');
    assert.deepEqual(quiet.response.result!.stdoutDigest, { hash: SHA256.emptyDigest.hash, sizeBytes: 0 });
    assert.deepEqual(quiet.response.result!.stderrDigest, { hash: SHA256.emptyDigest.hash, sizeBytes: 0 });
    assert.equal((await h.blob(third.response.result!.stdoutDigest)).toString(), 'three\n');
    assert.deepEqual(third.response.result!.stderrDigest, { hash: SHA256.emptyDigest.hash, sizeBytes: 0 });
  }));

test('output parents are reused by the next action as the same empty 1777 directories, but never one an action left a file in', options, () =>
  withExecutor(async (h) => {
    const spares = join(h.execDirectory, '.spare-directories');
    const first = await h.run({ command: bash('echo 1 > out/cfg/bin/a; ls -A out/cfg/bin', { outputFiles: ['out/cfg/bin/a'] }) });
    assert.equal(first.response.status?.code, status.OK, first.response.status?.message);
    assert.equal((await h.blob(first.response.result!.stdoutDigest)).toString(), 'a\n');
    const inodes = (await readdir(spares)).map((name) => lstatSync(join(spares, name)).ino).sort();
    assert.equal(inodes.length, 3, 'out, out/cfg and out/cfg/bin taken back');

    // The next action sees them empty and 1777; it leaves a file in bin, so bin and its parents stay with its execroot.
    const second = await h.run({
      command: bash('ls -A out/cfg/bin; stat -c "%a %i" out out/cfg out/cfg/bin; echo 2 > out/cfg/bin/b; echo junk > out/cfg/bin/junk', { outputFiles: ['out/cfg/bin/b'] }),
    });
    assert.equal(second.response.status?.code, status.OK, second.response.status?.message);
    const seen = (await h.blob(second.response.result!.stdoutDigest)).toString().trim().split('\n').map((line) => line.split(' '));
    assert.deepEqual(seen.map(([mode]) => mode), ['1777', '1777', '1777'], 'empty (ls printed nothing) and 1777');
    assert.deepEqual(seen.map(([, inode]) => Number(inode)).sort(), inodes, 'the same directories');
    assert.deepEqual(await readdir(spares), []);
    assert.deepEqual(await h.leftovers(), [], 'the rest went with the execroot');

    const third = await h.run({ command: bash('ls -A out/cfg/bin', { outputFiles: ['out/cfg/bin/c'] }) });
    assert.equal((await h.blob(third.response.result!.stdoutDigest)).toString(), '');
    assert.equal(third.response.result!.outputFiles.length, 0);
    assert.equal((await readdir(spares)).length, 3);
  }));

test('a non-zero exit is a result with status OK; the action directory is removed', options, () =>
  withExecutor(async (h) => {
    const { response } = await h.run({ command: bash('echo failing >&2; exit 7') });
    assert.equal(response.status?.code, status.OK);
    assert.equal(response.result?.exitCode, 7);
    assert.equal((await h.blob(response.result!.stderrDigest)).toString(), 'failing\n');
    assert.deepEqual(await h.leftovers(), []);
  }));

test('a program that does not exist is FAILED_PRECONDITION with the sandbox\'s message', options, () =>
  withExecutor(async (h) => {
    const { response } = await h.run({ command: { arguments: ['no-such-tool'], environmentVariables: [{ name: 'PATH', value: '/usr/bin' }] } });
    assert.equal(response.status?.code, status.FAILED_PRECONDITION);
    assert.match(response.status!.message, /the sandbox could not start the action: exec\.c:\d+: 'no-such-tool' not found in PATH=\/usr\/bin/);
    assert.equal(response.result, undefined);
  }));

test('missing inputs are FAILED_PRECONDITION with a MISSING violation, and nothing runs', options, () =>
  withExecutor(async (h) => {
    const absent = SHA256.compute(Buffer.from('not uploaded'));
    const inputRoot = await storeDirectory(h.store.blobs, Directory.fromPartial({ files: [{ name: 'f', digest: absent }] }));
    const { response } = await h.run({ inputRoot, command: bash('touch /tmp/ran') });
    assert.equal(response.status?.code, status.FAILED_PRECONDITION);
    const violations = unpackDetails(response.status!.details, PreconditionFailureDetail).flatMap((d) => d.violations);
    assert.deepEqual(violations.map((v) => `${v.type} ${v.subject}`), [`MISSING blobs/${absent.hash}/${absent.sizeBytes}`]);
    assert.equal(response.result, undefined);
    assert.deepEqual(await h.leftovers(), []);
  }));

test('Command.platform is read when the Action has none (Bazel 4), and an unknown property fails listing the accepted ones', options, () =>
  withExecutor(async (h) => {
    const ok = await h.run({ command: bash('true'), platform: { OSFamily: 'Linux', 'requires-bash': '' }, platformOnCommand: true });
    assert.equal(ok.response.status?.code, status.OK, ok.response.status?.message);
    const { response } = await h.run({ command: bash('true'), platform: { 'dockerNetwork': 'standard' }, platformOnCommand: true });
    assert.equal(response.status?.code, status.INVALID_ARGUMENT);
    assert.match(response.status!.message, new RegExp(`unknown platform property "dockerNetwork".*accepts: ${PLATFORM_PROPERTY_NAMES.join(', ')}`));
    assert.equal(response.result, undefined);
  }));
