import { describe, expect, it } from 'vitest';
import { estimateJob } from '../../../framework/estimate/estimateJob.js';
import { planShape, syntheticInput } from '../../../framework/estimate/planShape.js';
import { PRICES } from '../../../framework/estimate/prices.js';
import { countJobRequests, type JobShape } from '../../../framework/estimate/requests.js';
import { defineJob, lines } from '../../../framework/index.js';
import { makeSplits } from '../../../framework/plan/makeSplits.js';

const MiB = 1024 * 1024;

const wordcount = defineJob({
  input: lines(),
  map: (line: string, emit) => {
    for (const word of line.split(' ')) emit(word, 1);
  },
  reduce: (_word: string, counts: number[]) => counts.reduce((a, b) => a + b, 0),
});
const copyLines = defineJob({ input: lines(), map: (line: string, emit) => emit(line, 1) });

function shape(over: Partial<JobShape> = {}): JobShape {
  const files = [
    { uri: 's3://data/in/a.txt', size: 96 * MiB },
    { uri: 's3://data/in/b.txt', size: 10 * MiB },
  ];
  return {
    jobId: 'wc-20261202T000000-abcdef',
    bucket: 'data',
    prefix: 'work/wc-20261202T000000-abcdef/',
    splits: makeSplits(files, 32 * MiB),
    splitsPerTask: 2,
    reducers: 3,
    inputKind: 'lines',
    listing: { list: 1, head: 0 },
    shuffleRatio: 0.01,
    ...over,
  };
}

describe('countJobRequests', () => {
  it('counts the ranged GETs of the shuffle as map tasks × reducers, plus one index row per reducer', () => {
    // a.txt: three splits of 32 MiB; b.txt: one of 10 MiB.
    const s = shape();
    expect(s.splits).toHaveLength(4);
    const r = countJobRequests(s);
    const mapTasks = Math.ceil(4 / 2);
    expect(r.map.tasks).toBe(mapTasks);
    expect(r.reduce.tasks).toBe(3);
    expect(r.reduce.requests.rangedGet).toBe(3 * (mapTasks + 1));
    // Every split is one ranged GET, and one more past its end unless it ends its file.
    const tails = s.splits.filter((x) => x.end < x.size).length;
    expect(tails).toBe(2);
    expect(r.map.requests.rangedGet).toBe(4 + tails);
    // One GET of job.json per task, one of shuffle-maps.json per reduce task.
    expect(r.map.requests.get).toBe(mapTasks);
    expect(r.reduce.requests.get).toBe(3 * 2);
    // Shuffle objects of 0.01 × 64 MiB fit in one PUT.
    expect(r.map.requests.put).toBe(mapTasks);
    // The commit copies and deletes each of the 3 parts, and deletes the rest in one batch.
    expect(r.commit.copy).toBe(3);
    expect(r.commit.delete).toBe(3 + 1);
  });

  it('streams a shuffle object past 8 MiB as a multipart upload: create, one part per 8 MiB, complete', () => {
    const r = countJobRequests(shape({ shuffleRatio: 1 }));
    // Task 1: a.txt's first two splits (64 MiB) → 8 parts; task 2: 32 + 10 MiB → 6 parts.
    expect(r.map.requests.put).toBe(8 + 2 + (Math.ceil((42 * MiB) / (8 * MiB)) + 2));
  });

  it('counts a map-only job without shuffle or reduce, one staged part per map task', () => {
    const r = countJobRequests(shape({ reducers: 0 }));
    expect(r.reduce.tasks).toBe(0);
    expect(r.shuffle.rangedGet + r.shuffle.put).toBe(0);
    expect(r.commit.copy).toBe(r.map.tasks);
    expect(r.mapRuns).toMatchObject({ get: 1, put: 2 });
  });

  it('reads a gzip split whole, with one plain GET', () => {
    const splits = makeSplits([{ uri: 's3://data/in/a.txt.gz', size: 50 * MiB }], 32 * MiB);
    const r = countJobRequests(shape({ splits }));
    expect(r.map.requests).toMatchObject({ get: 2, rangedGet: 0 });
  });
});

describe('estimateJob', () => {
  it('prices the requests, Lambda GB-seconds and EXPRESS child executions at the table of the region', () => {
    const s = shape();
    const e = estimateJob(s, { mbPerSecond: 10 });
    const p = PRICES['us-east-1'];
    if (!p) throw new Error('no us-east-1 prices');
    const t = e.requests.total;
    const s3 = ((t.put + t.copy + t.list) * 0.005 + (t.get + t.rangedGet + t.head) * 0.0004) / 1000;
    expect(e.dollars.s3).toBeCloseTo(s3, 12);
    expect(e.childExecutions).toBe(e.requests.map.tasks + e.requests.reduce.tasks);
    // Map, HasReduce, Shuffle, Reduce, Commit, Done, and one per child execution started.
    expect(e.stateTransitions).toBe(6 + e.childExecutions);
    // Each map task reads 64 or 42 MiB at 10 MiB/s after 0.2 s of overhead, on 2 GB.
    const mapSeconds = 0.2 + 6.4 + (0.2 + 4.2);
    expect(e.lambda.map.gbSeconds).toBeCloseTo(mapSeconds * 2, 9);
    expect(e.dollars.total).toBeCloseTo(e.dollars.s3 + e.dollars.lambda + e.dollars.stepFunctions, 12);
  });

  it('names a region without prices and the regions it has', () => {
    expect(() => estimateJob(shape(), { region: 'mars-1' })).toThrow(/mars-1.*us-east-1/);
  });

  it('warns when a reducer would run past the Lambda timeout, and says to add reducers', () => {
    const files = syntheticInput(1024 ** 4, 'data');
    const splits = makeSplits(files, 256 * MiB);
    const e = estimateJob(shape({ splits, reducers: 4, shuffleRatio: 1 }));
    expect(e.warnings.join('\n')).toMatch(
      /reduce task takes about \d+ s, past Lambda's 900 s timeout: use more reducers/,
    );
  });
});

describe('planShape', () => {
  it('plans a synthetic input as stepmr run would cut it, reducers from the options', async () => {
    const s = await planShape({
      job: wordcount,
      name: 'wc',
      inputs: ['s3://data/in/'],
      files: syntheticInput(10 * 1024 ** 3, 'data'),
      splitSize: 256 * MiB,
      reducers: 7,
    });
    expect(s.splits).toHaveLength(40);
    expect(s.reducers).toBe(7);
    // About 16 MiB per task, at least one split.
    expect(s.splitsPerTask).toBe(1);
    const mapOnly = await planShape({ job: copyLines, name: 'c', inputs: ['x'], files: [] });
    expect(mapOnly.reducers).toBe(0);
  });
});
