// Informal speed measurements of the sandbox executor, run by hand as root:
//
//   pnpm exec node services/sandbox-runner/src/measure-sandbox-speed.ts [runs]
//
// 1. Materializing an input root of 10,000 files (100 directories of 100)
//    as hard links, each run into a fresh directory.
// 2. Execute of `/bin/true` end to end through SandboxActionExecutor
//    (properties, materialization, cgroups, sandbox, output collection,
//    cleanup), with an empty input root.
// Prints medians and percentiles; the machine's load is printed too, since
// other processes on a shared machine move these numbers a lot.
import { rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { TreeWalker } from '@actiond/reapi';
import { SHA256 } from '@actiond/digest';
import { Directory } from '@actiond/proto';
import { ExecrootMaterializer } from './execroot-materializer.ts';
import { makeExecutor } from './executor-fixture.ts';
import { openTestStore, storeDirectory } from './input-fixture.ts';
import { InputTreeLoader } from './input-tree-loader.ts';

const runs = Number(process.argv[2] ?? 20);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function report(name: string, values: number[]): void {
  const f = (n: number) => n.toFixed(1);
  console.log(`${name}: n=${values.length} min=${f(Math.min(...values))} p50=${f(percentile(values, 50))} p90=${f(percentile(values, 90))} max=${f(Math.max(...values))} ms`);
}

async function materialization(): Promise<void> {
  const store = await openTestStore();
  try {
    const root = Directory.create();
    for (let d = 0; d < 100; d++) {
      const dir = Directory.create();
      const puts: Promise<void>[] = [];
      for (let f = 0; f < 100; f++) {
        const content = Buffer.from(`file ${d}/${f}\n`);
        const digest = SHA256.compute(content);
        puts.push(store.blobs.put(digest, content));
        dir.files.push({ name: `f${String(f).padStart(3, '0')}`, digest, isExecutable: false, nodeProperties: undefined });
      }
      await Promise.all(puts);
      root.directories.push({ name: `d${String(d).padStart(3, '0')}`, digest: await storeDirectory(store.blobs, dir) });
    }
    const rootDigest = await storeDirectory(store.blobs, root);
    // The CAS service's walker, as in the server: its cache keeps the parsed Directory messages.
    const loader = new InputTreeLoader(new TreeWalker(store.blobs), SHA256);
    const materializer = new ExecrootMaterializer(loader, store.blobs, SHA256.emptyDigest);
    const times: number[] = [];
    const removals: number[] = [];
    for (let i = 0; i < runs; i++) {
      const target = join(store.root, `execroot-${i}`);
      const started = performance.now();
      const stats = await materializer.materialize(rootDigest, target);
      times.push(performance.now() - started);
      if (stats.filesLinked !== 10_000) throw new Error(`linked ${stats.filesLinked} files`);
      const removing = performance.now();
      await rm(target, { recursive: true, force: true });
      removals.push(performance.now() - removing);
    }
    report('materialize 10,000 files', times);
    report('remove them again', removals);
  } finally {
    await store.dispose();
  }
}

async function trueEndToEnd(): Promise<void> {
  const harness = await makeExecutor();
  try {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const { response, elapsedMs } = await harness.run({ command: { arguments: ['/bin/true'] } });
      times.push(elapsedMs);
      if (response.status?.code !== 0 || response.result?.exitCode !== 0) throw new Error(JSON.stringify(response.status));
    }
    report('Execute /bin/true end to end', times);
  } finally {
    await harness.dispose();
  }
}

console.log(`load average before: ${loadavg().map((n) => n.toFixed(2)).join(' ')}`);
await materialization();
await trueEndToEnd();
console.log(`load average after: ${loadavg().map((n) => n.toFixed(2)).join(' ')}`);
