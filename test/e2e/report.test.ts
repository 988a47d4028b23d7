import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Page } from 'puppeteer-core';
import { afterAll, describe, expect, it } from 'vitest';
import { type SuccessData, successSchema, type TaskRowData } from '../../framework/contract/persisted.js';
import { runEmbedded } from '../../framework/index.js';
import { writeReport } from '../../framework/report/writeReport.js';
import { JobRegistry } from '../../framework/runtime/embedded/jobRegistry.js';
import { rng, tempDir } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
/** Where the test keeps its screenshot (gitignored). */
const ARTIFACTS = join(process.cwd(), 'test-results');

const tmp = tempDir('stepmr-report-');
afterAll(() => {
  delete process.env.STEPMR_FAULTS_STATE;
  tmp.cleanup();
});

/** Runs the faults job: one split retried twice then fine, one that fails (tolerated), others plain. */
async function runFaultyJob(): Promise<SuccessData> {
  const input = join(tmp.dir, 'in');
  mkdirSync(input);
  writeFileSync(join(input, 'a.txt'), 'one\ntwo\ntwo\nthree\nthree\nthree\n');
  writeFileSync(join(input, 'b.txt'), 'four\nflaky-twice\nfour\n');
  writeFileSync(join(input, 'c.txt'), 'five\nbug\n');
  writeFileSync(join(input, 'd.txt'), 'six\nseven\neight\nnine\nten\n'.repeat(20));
  process.env.STEPMR_FAULTS_STATE = mkdtempSync(join(tmp.dir, 'state-'));
  const output = join(tmp.dir, 'out');
  await runEmbedded({
    job: 'test/fixtures/jobs/faults.ts',
    inputs: [input],
    output,
    splitsPerTask: 1,
    reducers: 3,
    tolerate: { count: 1 },
    threads: 2,
  });
  return JSON.parse(readFileSync(join(output, '_SUCCESS'), 'utf8')) as SuccessData;
}

/** The report in `file`, opened in chromium with every request off this machine refused. */
async function inBrowser<T>(
  file: string,
  screenshot: string,
  look: (page: Page, problems: readonly string[]) => Promise<T>,
): Promise<T> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the job report is tested in Debian's chromium; install it with apt-get install -y chromium`,
    );
  }
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--headless'],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page: ${(e as Error).message}`));
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      const url = request.url();
      if (url.startsWith('file:') || url.startsWith('data:')) return void request.continue();
      problems.push(`network: ${url}`);
      void request.abort();
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await page.waitForSelector('body[data-rendered="true"]', { timeout: 30_000 });
    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, screenshot);
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    return await look(page, problems);
  } finally {
    await browser.close();
  }
}

/** Marks of one chart drawn, by the `aria-description` the page gives its mark. */
const marks = (page: Page, description: string) =>
  page.$$eval(`g[aria-description="${description}"] rect`, (nodes) => nodes.length);

/** Bars the timeline must draw: one per task attempt row, and one per task retried before it succeeded. */
const expectedBars = (rows: readonly TaskRowData[]) =>
  rows.length +
  rows.filter(
    (r) => r.status === 'succeeded' && (r.retries ?? 0) > 0 && (r.queuedAt ?? r.startedAt) < r.startedAt,
  ).length;

describe('stepmr report, in a real browser', () => {
  it('draws every task attempt, the stages, bytes, skew and cost with Plot, offline and without errors', async () => {
    const manifest = await runFaultyJob();
    const rows = manifest.tasks?.rows ?? [];
    // What the manifest says, computed here: a row per map and reduce task, one failed, one retried twice.
    expect(manifest.stages.map.failedTasks).toBe(1);
    expect(rows.filter((r) => r.stage === 'map')).toHaveLength(manifest.stages.map.tasks + 1);
    expect(rows.filter((r) => r.stage === 'reduce')).toHaveLength(manifest.reducers);
    expect(rows.filter((r) => r.status === 'failed').map((r) => r.error)).toEqual(['UserCodeError']);
    expect(rows.map((r) => r.retries ?? 0)).toContain(2);
    const reduceIn = manifest.parts.reduce((n, p) => n + (p.recordsIn ?? 0), 0);
    expect(reduceIn).toBe(manifest.stages.reduce?.recordsIn);

    const file = join(tmp.dir, 'report.html');
    await writeReport(join(tmp.dir, 'out'), file, new JobRegistry(join(tmp.dir, 'jobs')));
    expect(readFileSync(file, 'utf8')).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);

    await inBrowser(file, 'job-report.png', async (page, problems) => {
      expect(problems).toEqual([]);
      expect(await marks(page, 'task attempts')).toBe(expectedBars(rows));
      expect(await marks(page, 'stages')).toBe(['Plan', 'Map', 'Shuffle', 'Reduce', 'Commit'].length);
      expect(await marks(page, 'task bytes')).toBe(2 * rows.length);
      expect(await marks(page, 'partitions recordsIn')).toBe(manifest.reducers);
      expect(await marks(page, 'partitions bytesIn')).toBe(manifest.reducers);
      // Estimated and counted dollars of S3 requests and of Lambda.
      expect(await marks(page, 'cost')).toBe(4);
      const titles = await page.$$eval('g[aria-description="task attempts"] rect title', (nodes) =>
        nodes.map((n) => n.textContent ?? ''),
      );
      expect(titles.filter((t) => t.includes('failed: UserCodeError'))).toHaveLength(1);
      expect(titles.filter((t) => t.includes('2 failed attempts before this one'))).toHaveLength(1);
      // The slowest-tasks table lists the slowest row first.
      const slowest = Math.max(...rows.map((r) => r.stoppedAt - r.startedAt));
      const first = await page.$eval('#slowest tbody tr td:nth-child(3)', (td) => td.textContent);
      expect(first).toBe(`${(slowest / 1000).toFixed(2)} s`);
    });
  });

  it('keeps a job of 2,000 task attempts on 300 Lambdas readable: every bar drawn, the timeline within 2,100 px', async () => {
    const random = rng(16);
    const executors = Array.from(
      { length: 300 },
      (_, i) => `2026/12/02/[$LATEST]${i.toString(16).padStart(32, '0')}`,
    );
    const rows: TaskRowData[] = Array.from({ length: 2000 }, (_, i) => {
      const startedAt = 1_800_000_000_000 + Math.floor(random() * 60_000);
      const reduce = i >= 1936;
      return {
        stage: reduce ? 'reduce' : 'map',
        id: reduce ? i - 1936 : i,
        items: 1,
        status: i % 500 === 7 ? 'failed' : 'succeeded',
        startedAt,
        stoppedAt: startedAt + 100 + Math.floor(random() * 5000),
        queuedAt: startedAt - 2000,
        executor: executors[i % executors.length] as string,
        retries: i % 97 === 0 ? 1 : 0,
        recordsIn: 1000,
        recordsOut: 900,
        bytesIn: 64 << 20,
        bytesOut: 1 << 20,
      };
    });
    const output = join(tmp.dir, 'large');
    mkdirSync(output);
    const stage = {
      failedTasks: 0,
      recordsIn: 1,
      recordsOut: 1,
      bytesIn: 1,
      spills: 0,
      taskMs: 1,
      wallMs: 1,
    };
    const manifest = successSchema.parse({
      version: 1,
      jobId: 'large-20261202T100000-abcdef',
      job: 'large',
      committedAt: new Date(1_800_000_070_000).toISOString(),
      inputs: ['s3://data/in/'],
      output: 's3://data/out/large/',
      format: 'jsonl',
      parts: Array.from({ length: 64 }, (_, p) => ({
        name: `part-${String(p).padStart(5, '0')}.jsonl`,
        records: 100 + p,
        bytes: 1000 + p,
        sha256: '',
        recordsIn: 200 + p,
        bytesIn: 2000 + p,
      })),
      records: { in: 1, out: 1 },
      bytes: { in: 1936 * (64 << 20), out: 1 },
      splits: 1936,
      reducers: 64,
      stages: { map: { ...stage, tasks: 1932 }, reduce: { ...stage, tasks: 64 } },
      failedSplits: [],
      badRecords: { count: 0, samples: [] },
      tasks: { rows, omitted: 0 },
    });
    writeFileSync(join(output, '_SUCCESS'), JSON.stringify(manifest));
    const file = join(tmp.dir, 'large.html');
    await writeReport(output, file, new JobRegistry(join(tmp.dir, 'jobs')));
    await inBrowser(file, 'job-report-large.png', async (page, problems) => {
      expect(problems).toEqual([]);
      expect(await marks(page, 'task attempts')).toBe(expectedBars(rows));
      expect(await marks(page, 'task bytes')).toBe(2 * rows.length);
      expect(await marks(page, 'partitions recordsIn')).toBe(64);
      const height = await page.$eval('#timeline svg', (svg) => svg.getBoundingClientRect().height);
      expect(height).toBeLessThanOrEqual(2100);
    });
  });

  it('is written by stepmr report <job id> for a job stepmr run ran here, and names the file', () => {
    const env = { ...process.env, STEPMR_HOME: join(tmp.dir, 'home') };
    const stepmr = (...args: string[]) =>
      spawnSync(process.execPath, [join(process.cwd(), 'bin/stepmr.js'), ...args], {
        encoding: 'utf8',
        env,
        cwd: tmp.dir,
        timeout: 120_000,
      });
    const output = join(tmp.dir, 'cli-out');
    const run = stepmr(
      'run',
      join(process.cwd(), 'examples/wordcount'),
      '-i',
      join(process.cwd(), 'examples/wordcount/data'),
      '-o',
      output,
      '-r',
      '2',
    );
    expect(run.status, run.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(output, '_SUCCESS'), 'utf8')) as SuccessData;
    const report = stepmr('report', manifest.jobId);
    expect(report.status, report.stderr).toBe(0);
    const file = join(tmp.dir, `${manifest.jobId}.report.html`);
    expect(report.stdout).toContain(`${manifest.jobId}.report.html`);
    const html = readFileSync(file, 'utf8');
    // The page's data, as the page's own script reads it (JSON.parse undoes its \u003c escapes).
    const json = html.match(/<script type="application\/json" id="report-data">(.*?)<\/script>/s)?.[1];
    const data = JSON.parse(json ?? 'null') as { jobId: string; tasks: unknown[] };
    expect(data.jobId).toBe(manifest.jobId);
    expect(data.tasks).toHaveLength(manifest.tasks?.rows.length ?? -1);
  });
});
