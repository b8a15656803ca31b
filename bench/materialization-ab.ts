// A/B comparison of the ways to create an input tree, in one process and
// interleaved run by run, so that a busy spell on a shared machine hits
// every variant alike. Prints only; nothing goes into RESULTS.md.
//
//   pnpm exec node bench/materialization-ab.ts [--runs=N] [--gap-ms=MS] [--files=N] [--background-rm]
//
// Variants: the linker the server uses (small trees in place, large ones on
// worker threads), the same tree made in place on the main thread (how every
// tree was made before), and worker pools of 2 and 4 threads. `--gap-ms`
// pauses between runs (the "2 s apart" case of bench:execute);
// `--background-rm` removes each variant's previous tree, as the server's
// BackgroundDirectoryRemover does, while the next is made (the "back to
// back" case). The last variant also keeps finished trees (SpareExecrootPool
// shared with a BackgroundDirectoryRemover, which checks each one on its
// thread): from its second run on it renames a kept tree into place.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { DiskBlobAccess } from '@actiond/blobstore';
import { TreeWalker } from '@actiond/reapi';
import { Digest } from '@actiond/digest';
import {
  BackgroundDirectoryRemover,
  defaultTreeLinker,
  ExecrootMaterializer,
  InputTreeLoader,
  SpareExecrootPool,
  SynchronousTreeLinker,
  WorkerPoolTreeLinker,
  type TreeLinker,
} from '@actiond/sandbox-runner';
import { wideInputTree } from './src/bench-actions.ts';
import { percentile } from './src/percentile.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '9' },
    'gap-ms': { type: 'string', default: '0' },
    files: { type: 'string', default: '10000' },
    'background-rm': { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const gapMs = Number(values['gap-ms']);
const files = Number(values.files);

const spares = new SpareExecrootPool();
const variants: [string, TreeLinker, SpareExecrootPool?][] = [
  ['server default', defaultTreeLinker()],
  ['in place (before)', new SynchronousTreeLinker()],
  ['2 worker threads', new WorkerPoolTreeLinker(2)],
  ['4 worker threads', new WorkerPoolTreeLinker(4)],
  ['server default + kept trees', defaultTreeLinker(), spares],
];

const work = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'actiond-materialization-ab-'));
try {
  const tree = wideInputTree(files / 100, 100, `ab-${Date.now()}`);
  const blobs = await DiskBlobAccess.open({ directory: join(work, 'cas') });
  for (const { digest, data } of tree.blobs) await blobs.put(digest, data);
  const root = Digest.parse(tree.rootDigest.hash, tree.rootDigest.sizeBytes);
  const remover = new BackgroundDirectoryRemover((err, path) => console.error(`cannot remove ${path}: ${String(err)}`));
  const keeper = new BackgroundDirectoryRemover((err, path) => console.error(`cannot remove ${path}: ${String(err)}`), spares);
  const results = variants.map(([name, linker, pool]) => {
    const loader = new InputTreeLoader(new TreeWalker(blobs), blobs.digestFunction);
    const materializer = new ExecrootMaterializer(loader, blobs, blobs.digestFunction.emptyDigest, linker, pool);
    return { name, materializer, pool, ms: [] as number[], cpu: [] as number[], reused: 0, previous: '' };
  });
  // One untimed run each: threads started, caches warm, as in a server that has run before.
  for (const r of results) {
    r.previous = join(work, `${r.name.replace(/\W+/g, '-')}-warm`);
    await r.materializer.materialize(root, r.previous);
  }
  let n = 0;
  for (let i = 0; i < runs; i++) {
    // Rotate the order each round, so no variant always follows the same one.
    for (let k = 0; k < results.length; k++) {
      const r = results[(i + k) % results.length]!;
      if (r.pool !== undefined) keeper.remove(r.previous);
      else if (values['background-rm']) remover.remove(r.previous);
      else rmSync(r.previous, { recursive: true, force: true });
      if (r.pool !== undefined && !values["background-rm"]) await keeper.settled();
      if (gapMs > 0) {
        await keeper.settled();
        await remover.drain();
        await sleep(gapMs);
      }
      const target = join(work, `run-${n++}`);
      const cpu = process.cpuUsage();
      const started = performance.now();
      const stats = await r.materializer.materialize(root, target);
      r.ms.push(performance.now() - started);
      const used = process.cpuUsage(cpu);
      r.cpu.push((used.user + used.system) / 1000);
      if (stats.reused) r.reused++;
      if (stats.filesLinked !== files || stats.bytesCopied !== 0) throw new Error(`${r.name}: linked ${stats.filesLinked}, copied ${stats.bytesCopied} bytes`);
      r.previous = target;
    }
  }
  await remover.drain();
  await keeper.drain();
  const f = (x: number): string => x.toFixed(1);
  console.log(`${files} files in ${files / 100} directories, ${runs} runs per variant, ${gapMs} ms apart${values['background-rm'] ? ', previous tree removed in the background meanwhile' : ''}`);
  console.log('| variant | wall p50 | wall min | wall max | CPU p50 (all threads) | kept trees used | runs (wall ms) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(`| ${r.name} | ${f(percentile(r.ms, 50))} ms | ${f(Math.min(...r.ms))} ms | ${f(Math.max(...r.ms))} ms | ${f(percentile(r.cpu, 50))} ms | ${r.reused}/${r.ms.length} | ${r.ms.map(f).join(', ')} |`);
  }
  await Promise.all(variants.map(([, l]) => (l instanceof WorkerPoolTreeLinker ? l.close() : undefined)));
} finally {
  rmSync(work, { recursive: true, force: true });
}
