/**
 * Measures the reduce side alone on the identity job's data: the lines of a text file become
 * sorted runs (one per partition and "map task", as a shuffle file holds them, each line a key
 * with `[1, …]`), written to a FileStore; then every partition is merged (`mergeRunBatches` over
 * ranged reads), reduced (`values.length`) and written as JSON Lines with its SHA-256, as
 * reduceTask does. Not a test:
 *
 *   node bin/tsnode.js bench/micro/reduceSide.ts <file.txt…> [--partitions 4] [--rounds 3]
 *
 * Prints the CPU time of the reduce side (this process; the machine may be shared) per round.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLinesOutput } from '../../framework/io/index.js';
import { PartWriter } from '../../framework/io/PartWriter.js';
import { writeVarint } from '../../framework/shuffle/format.js';
import { encodeKey, partitionOf } from '../../framework/shuffle/index.js';
import { mergeRunBatches } from '../../framework/shuffle/mergeRuns.js';
import { packValues } from '../../framework/shuffle/valueCodec.js';
import { FileStore } from '../../framework/store/FileStore.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args.splice(i, 2)[1]) : fallback;
};
const partitions = opt('partitions', 4);
const rounds = opt('rounds', 3);
const files = args;
const cpu = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

const dir = mkdtempSync(join(tmpdir(), 'reduce-side-'));
const store = new FileStore(dir);
// One "map task" per file: its lines grouped by key, each partition's run sorted by key bytes.
const runs: { key: string; partition: number; length: number }[] = [];
for (const [task, file] of files.entries()) {
  const groups = new Map<string, number>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line !== '') groups.set(line, (groups.get(line) ?? 0) + 1);
  }
  const byPartition = Array.from({ length: partitions }, () => [] as [Buffer, number][]);
  for (const [line, n] of groups) {
    const key = encodeKey(line);
    byPartition[partitionOf(key, partitions)]?.push([key, n]);
  }
  for (const [partition, entries] of byPartition.entries()) {
    entries.sort((a, b) => Buffer.compare(a[0], b[0]));
    const chunks: Buffer[] = [];
    const head = Buffer.alloc(10);
    for (const [key, n] of entries) {
      chunks.push(Buffer.from(head.subarray(0, writeVarint(head, key.length, 0))), key);
      const values = Buffer.from(packValues(new Array(n).fill(1)));
      chunks.push(Buffer.from(head.subarray(0, writeVarint(head, values.length, 0))), values);
    }
    const body = Buffer.concat(chunks);
    const key = `run-${task}-${partition}`;
    await store.put(key, body);
    runs.push({ key, partition, length: body.length });
  }
}

for (let round = 0; round < rounds; round++) {
  const started = cpu();
  const wall = performance.now();
  let records = 0;
  let bytes = 0;
  for (let partition = 0; partition < partitions; partition++) {
    const mine = runs.filter((r) => r.partition === partition);
    const writer = new PartWriter(jsonLinesOutput());
    const batches = mergeRunBatches<string, number>(
      mine.map((r) => store.read(r.key, { start: 0, end: r.length })),
    );
    for await (const batch of batches) for (const { key, values } of batch) writer.write(key, values.length);
    await store.put(`part-${partition}`, writer.finish());
    writer.sha256();
    records += writer.records;
    bytes += writer.bytes;
  }
  const ms = cpu() - started;
  process.stdout.write(
    `round ${round}: ${records} records, ${(bytes / 2 ** 20).toFixed(1)} MiB out, ${ms.toFixed(0)} ms CPU, ${(performance.now() - wall).toFixed(0)} ms wall, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB\n`,
  );
}
rmSync(dir, { recursive: true, force: true });
