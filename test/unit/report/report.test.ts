import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type SuccessData, successSchema } from '../../../framework/contract/persisted.js';
import { ReportError } from '../../../framework/report/errors.js';
import { renderReport } from '../../../framework/report/renderReport.js';
import { reportData } from '../../../framework/report/reportData.js';
import { loadManifest } from '../../../framework/report/writeReport.js';
import { JobRegistry } from '../../../framework/runtime/embedded/jobRegistry.js';
import { tempDir } from '../../e2e/helpers.js';

const tmp = tempDir('stepmr-report-unit-');
afterAll(() => tmp.cleanup());

const stage = { tasks: 2, failedTasks: 0, recordsIn: 9, recordsOut: 9, bytesIn: 90, spills: 0, taskMs: 40 };

/** A `_SUCCESS` as a version without task rows or stage dates wrote it. */
function olderManifest(output: string, jobId = 'wc-20261202T100000-abcdef'): SuccessData {
  return successSchema.parse({
    version: 1,
    jobId,
    job: 'wc',
    committedAt: '2026-12-02T10:00:05.000Z',
    inputs: ['file:///in/'],
    output,
    format: 'jsonl',
    parts: [
      { name: 'part-00000.jsonl', records: 3, bytes: 30, sha256: 'a' },
      { name: 'part-00001.jsonl', records: 6, bytes: 60, sha256: 'b' },
    ],
    records: { in: 9, out: 9 },
    bytes: { in: 90, out: 90 },
    splits: 2,
    reducers: 2,
    stages: { map: { ...stage, wallMs: 300 }, reduce: { ...stage, wallMs: 200 } },
    failedSplits: [],
    badRecords: { count: 0, samples: [] },
  });
}

describe('reportData', () => {
  it('lays out the stages of an older _SUCCESS from their durations, with no task rows', () => {
    const data = reportData(olderManifest('file:///out/'));
    expect(data.stages).toEqual([
      { name: 'Map', start: 0, end: 300 },
      { name: 'Reduce', start: 300, end: 500 },
    ]);
    expect(data.bars).toEqual([]);
    expect(data.partitions.map((p) => p.records)).toEqual([3, 6]);
  });
});

describe('renderReport', () => {
  it('keeps text from the manifest out of the page’s markup and scripts', () => {
    const hostile = 'file:///o/</script><script>alert(1)</script><b>/';
    const manifest = { ...olderManifest(hostile), job: '<img src=x onerror=alert(2)>' };
    const html = renderReport(reportData(manifest), { d3: '/* d3 */', plot: '/* plot */' });
    expect(html.match(/<script/g)).toHaveLength(4);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>');
  });
});

describe('loadManifest', () => {
  const output = join(tmp.dir, 'out');
  mkdirSync(output);
  const manifest = olderManifest(`${pathToFileURL(output).href}/`);
  writeFileSync(join(output, '_SUCCESS'), JSON.stringify(manifest));
  const registry = new JobRegistry(join(tmp.dir, 'jobs'));

  it('reads the _SUCCESS of an output folder, and of a job id this machine ran', async () => {
    expect(await loadManifest(output, registry)).toEqual(manifest);
    await registry.write({
      version: 1,
      jobId: manifest.jobId,
      executionArn: 'arn:aws:states:local:000000000000:execution:stepmr:x',
      pid: process.pid,
      output,
      updatedAt: new Date().toISOString(),
      calls: {},
    });
    expect(await loadManifest(manifest.jobId, registry)).toEqual(manifest);
  });

  it('says what to give for a job id it does not know, and for a folder with no _SUCCESS', async () => {
    const unknown = loadManifest('wc-20261202T100000-000000', registry);
    await expect(unknown).rejects.toThrow(ReportError);
    await expect(unknown).rejects.toThrow(
      /not in this machine's job registry .*give the job's output location/,
    );
    const empty = join(tmp.dir, 'empty');
    mkdirSync(empty);
    await expect(loadManifest(empty, registry)).rejects.toThrow(
      /no _SUCCESS at .*empty\/.*a job that succeeded/,
    );
    // A job whose output a later job replaced.
    const replaced = 'wc-20261202T090000-111111';
    await registry.write({
      version: 1,
      jobId: replaced,
      executionArn: 'arn:aws:states:local:000000000000:execution:stepmr:y',
      pid: process.pid,
      output,
      updatedAt: new Date().toISOString(),
      calls: {},
    });
    await expect(loadManifest(replaced, registry)).rejects.toThrow(
      `now holds the result of job ${manifest.jobId}`,
    );
  });
});
