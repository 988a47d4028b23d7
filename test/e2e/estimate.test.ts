import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { estimateJob } from '../../framework/estimate/estimateJob.js';
import { formatEstimate } from '../../framework/estimate/formatEstimate.js';
import { planShape } from '../../framework/estimate/planShape.js';
import { countJobRequests } from '../../framework/estimate/requests.js';
import { runEmbedded } from '../../framework/index.js';
import { loadJobModule, resolveJobModule } from '../../framework/runtime/loadJob.js';
import { REQUEST_KINDS } from '../../framework/store/CountingStore.js';
import { boundaryAfterLineBreak, writeEstimateCorpus } from '../support/estimateData.js';
import { tempDir } from './helpers.js';

const tmp = tempDir('stepmr-estimate-');
afterAll(() => tmp.cleanup());

const SPLIT = 4 * 1024 + 7;
const pick = (counts: Record<string, number> | undefined) =>
  Object.fromEntries(REQUEST_KINDS.map((k) => [k, counts?.[k]]));

describe('stepmr estimate against a run on the embedded engine', () => {
  it('counts the requests of every map and reduce task exactly as the tasks count them', async () => {
    const files = writeEstimateCorpus(join(tmp.dir, 'in'), [130, 45, 200]);
    expect(boundaryAfterLineBreak(files, SPLIT)).toBe(false);
    const options = { reducers: 3, splitSize: SPLIT, splitsPerTask: 2 };
    const job = await loadJobModule(await resolveJobModule('examples/wordcount'));
    const shape = await planShape({ job, name: 'wordcount', inputs: [join(tmp.dir, 'in')], ...options });
    const estimate = countJobRequests(shape);

    const summary = await runEmbedded({
      job: 'examples/wordcount',
      inputs: [join(tmp.dir, 'in')],
      output: join(tmp.dir, 'out'),
      threads: 2,
      ...options,
    });
    const stages = summary.manifest.stages;
    expect(stages.map.tasks).toBe(estimate.map.tasks);
    expect(stages.reduce?.tasks).toBe(estimate.reduce.tasks);
    expect(pick(stages.map.requests as unknown as Record<string, number>)).toEqual(
      pick(estimate.map.requests as unknown as Record<string, number>),
    );
    expect(pick(stages.reduce?.requests as unknown as Record<string, number>)).toEqual(
      pick(estimate.reduce.requests as unknown as Record<string, number>),
    );
    // The tasks read every input byte (and one before each split after a file's first).
    const inputBytes = files.length && summary.manifest.bytes.in;
    expect(stages.map.requests?.bytesRead).toBeGreaterThanOrEqual(inputBytes);
    // stepmr estimate --compare prints the counted rows under the estimated ones, equal here.
    const printed = formatEstimate(estimateJob(shape), summary.manifest).split('\n');
    const row = (label: string) => printed.find((line) => line.startsWith(`${label} `))?.slice(16);
    expect(row('  counted')).toBe(row('map tasks'));
    expect(printed.filter((line) => line.startsWith('  counted '))).toHaveLength(2);
    // GB-seconds: each task's time on 2048 MB (the stack's map and reduce memory).
    expect(stages.map.gbSeconds).toBeCloseTo((stages.map.taskMs / 1000) * 2, 6);
  }, 120_000);
});
