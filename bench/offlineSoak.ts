import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { countsOf, makeText, plainWordCount, rng } from '../test/e2e/helpers.js';
import { startOfflineCloudChild, submitArgs } from '../test/support/offlineCloud.js';
import { childProcesses, type MemorySampler, sampleMemory } from '../test/support/processMemory.js';

/** Options of {@link offlineSoak}. */
export interface SoakOptions {
  /** Small objects uploaded with `stepmr cp`. @default 5000 */
  readonly objects?: number;
  /** Map tasks of the first job over them all. @default 500 */
  readonly tasks?: number;
  /** Jobs run back to back after it (100 map tasks each). @default 10 */
  readonly jobs?: number;
  /** serverless-offline's resident memory must stay under this. @default 1024 */
  readonly boundMiB?: number;
  /** Where the objects are generated. */
  readonly dataDir: string;
}

const KiB = 1024;
const sorted = (counts: Map<string, number>) => JSON.stringify([...counts].sort());

/**
 * The offline cloud's soak: `stepmr offline` with its data inside the project (as the default
 * `.stepmr/offline` is, where serverless-offline's file watcher used to see every object), then
 * `objects` small objects uploaded, a job of `tasks` map tasks over them, and `jobs` more jobs
 * back to back. serverless-offline's resident memory is sampled throughout (peak per phase, and
 * after each job); every job's counts are checked against a plain count of the same files;
 * the cloud must still be up at the end. Throws when a result differs, a part died, or the
 * peak passes `boundMiB`.
 *
 * @example
 * ```ts
 * const report = await offlineSoak({ dataDir: 'bench/data/soak', objects: 500, tasks: 50, jobs: 2 });
 * ```
 */
export async function offlineSoak(options: SoakOptions): Promise<Record<string, unknown>> {
  const objects = options.objects ?? 5000;
  const tasks = options.tasks ?? 500;
  const jobs = options.jobs ?? 10;
  const boundMiB = options.boundMiB ?? 1024;
  const corpus = join(options.dataDir, `objects-${objects}`);
  rmSync(corpus, { recursive: true, force: true });
  mkdirSync(corpus, { recursive: true });
  const random = rng(5000);
  const files: string[] = [];
  for (let i = 0; i < objects; i++) {
    const file = join(corpus, `doc-${String(i).padStart(5, '0')}.txt`);
    writeFileSync(file, makeText(random, 2 + (i % 4), false));
    files.push(file);
  }
  const expected = sorted(plainWordCount(files));
  const cloudDir = join('.stepmr', `bench-soak-${process.pid}`);
  const cloud = await startOfflineCloudChild(cloudDir);
  const say = (text: string) => process.stderr.write(`soak: ${text}\n`);
  try {
    const functions = childProcesses(cloud.pid ?? 0).find((c) => c.command.includes('serverless'));
    if (!functions) throw new Error('no serverless-offline process under stepmr offline');
    const mib = (kib: number) => Math.round(kib / KiB);
    const phase = async (name: string, work: () => Promise<void>) => {
      const sampler: MemorySampler = sampleMemory(functions.pid);
      const engineSampler = sampleMemory(cloud.pid ?? 0);
      const started = Date.now();
      await work();
      const m = sampler.stop();
      const e = engineSampler.stop();
      const result = {
        name,
        ms: Date.now() - started,
        rssMiB: { start: mib(m.first), peak: mib(m.peak), end: mib(m.last) },
        // stepmr offline itself: the engine, the APIs' front doors, the kept executions.
        engineRssMiB: { peak: mib(e.peak), end: mib(e.last) },
      };
      say(
        `${name}: ${result.ms} ms, serverless-offline RSS ${result.rssMiB.start} → peak ${result.rssMiB.peak} → ${result.rssMiB.end} MiB`,
      );
      if (m.peak > boundMiB * KiB)
        throw new Error(
          `${name}: serverless-offline's RSS peaked at ${mib(m.peak)} MiB, over the bound of ${boundMiB} MiB`,
        );
      return result;
    };
    const job = async (name: string, splitsPerTask: number) => {
      await cloud.ok(
        ...submitArgs(
          cloud.bucket,
          'wordcount',
          'in/soak/',
          `out/${name}`,
          '--splits-per-task',
          String(splitsPerTask),
          '--wait',
          '--interval',
          '2',
        ),
      );
      const got = countsOf(
        await cloud.download(`s3://${cloud.bucket}/out/${name}/`, join(options.dataDir, 'out', name)),
      );
      if (sorted(got) !== expected)
        throw new Error(
          `soak job ${name}: the counts differ from a plain count of the same ${objects} files`,
        );
    };
    const phases = [
      await phase(`upload ${objects} objects`, async () => {
        await cloud.ok('cp', '--quiet', corpus, `s3://${cloud.bucket}/in/soak/`);
      }),
    ];
    phases.push(await phase(`job of ${tasks} map tasks`, () => job('first', Math.ceil(objects / tasks))));
    for (let i = 1; i <= jobs; i++) {
      phases.push(
        await phase(`job ${i} of ${jobs} back to back`, () => job(`again-${i}`, Math.ceil(objects / 100))),
      );
    }
    if (/ died: /.test(cloud.stderr()))
      throw new Error(`a part of the offline cloud died:\n${cloud.stderr()}`);
    return {
      objects,
      firstJobTasks: tasks,
      jobsAfter: jobs,
      boundMiB,
      peakRssMiB: Math.max(...phases.map((p) => p.rssMiB.peak)),
      phases,
      resultsExact: true,
    };
  } finally {
    const stopped = await cloud.stop();
    rmSync(cloudDir, { recursive: true, force: true });
    if (stopped.code !== 0) say(`stepmr offline exited ${stopped.code}:\n${stopped.stderr.slice(-3000)}`);
  }
}

// Run alone: `node bin/tsnode.js bench/offlineSoak.ts [--objects N --tasks N --jobs N]`.
if (process.argv[1] && resolve(process.argv[1]) === resolve('bench/offlineSoak.ts')) {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? { [name]: Number(args[i + 1]) } : {};
  };
  const report = {
    date: new Date().toISOString(),
    soak: await offlineSoak({
      dataDir: resolve('bench/data/soak'),
      ...opt('objects'),
      ...opt('tasks'),
      ...opt('jobs'),
    }),
  };
  mkdirSync('bench/results', { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(join('bench/results', `offline-soak-${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}
