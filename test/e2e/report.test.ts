import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { SuccessData } from '../../framework/contract/persisted.js';
import { runEmbedded } from '../../framework/index.js';
import { writeReport } from '../../framework/report/writeReport.js';
import { JobRegistry } from '../../framework/runtime/embedded/jobRegistry.js';
import { tempDir } from './helpers.js';

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

describe('stepmr report, in a real browser', () => {
  it('draws every task attempt, the stages, bytes, skew and cost with Plot, offline and without errors', async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: the job report is tested in Debian's chromium; install it with apt-get install -y chromium`,
      );
    }
    const manifest = await runFaultyJob();
    const rows = manifest.tasks?.rows ?? [];
    // What the manifest says, computed here: a row per map and reduce task, one failed, one retried twice.
    expect(manifest.stages.map.failedTasks).toBe(1);
    expect(rows.filter((r) => r.stage === 'map')).toHaveLength(manifest.stages.map.tasks + 1);
    expect(rows.filter((r) => r.stage === 'reduce')).toHaveLength(manifest.reducers);
    expect(rows.filter((r) => r.status === 'failed').map((r) => r.error)).toEqual(['UserCodeError']);
    expect(rows.map((r) => r.retries ?? 0).sort()).toContain(2);
    const reduceIn = manifest.parts.reduce((n, p) => n + (p.recordsIn ?? 0), 0);
    expect(reduceIn).toBe(manifest.stages.reduce?.recordsIn);
    const retried = rows.filter(
      (r) => r.status === 'succeeded' && (r.retries ?? 0) > 0 && (r.queuedAt ?? r.startedAt) < r.startedAt,
    );
    const expected = {
      attempts: rows.length + retried.length,
      stages: ['Plan', 'Map', 'Shuffle', 'Reduce', 'Commit'].length,
      bytes: 2 * rows.length,
      partitions: manifest.reducers,
    };

    const file = join(tmp.dir, 'report.html');
    await writeReport(join(tmp.dir, 'out'), file, new JobRegistry(join(tmp.dir, 'jobs')));
    expect(readFileSync(file, 'utf8')).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);

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
      await page.waitForSelector('body[data-rendered="true"]', { timeout: 20_000 });
      const count = (description: string) =>
        page.$$eval(`g[aria-description="${description}"] rect`, (nodes) => nodes.length);
      const titles = await page.$$eval('g[aria-description="task attempts"] rect title', (nodes) =>
        nodes.map((n) => n.textContent ?? ''),
      );
      mkdirSync(ARTIFACTS, { recursive: true });
      const shot = join(ARTIFACTS, 'job-report.png');
      await page.screenshot({ path: shot, fullPage: true });

      expect(problems).toEqual([]);
      expect(await count('task attempts')).toBe(expected.attempts);
      expect(await count('stages')).toBe(expected.stages);
      expect(await count('task bytes')).toBe(expected.bytes);
      expect(await count('partitions recordsIn')).toBe(expected.partitions);
      expect(await count('partitions bytesIn')).toBe(expected.partitions);
      expect(await count('cost')).toBe(4);
      expect(titles.filter((t) => t.includes('failed: UserCodeError'))).toHaveLength(1);
      expect(titles.filter((t) => t.includes('2 failed attempts before this one'))).toHaveLength(1);
      // The slowest-tasks table lists the slowest row first.
      const slowest = Math.max(...rows.map((r) => r.stoppedAt - r.startedAt));
      const first = await page.$eval('#slowest tbody tr td:nth-child(3)', (td) => td.textContent);
      expect(first).toBe(`${(slowest / 1000).toFixed(2)} s`);
      expect(statSync(shot).size).toBeGreaterThan(10_000);
    } finally {
      await browser.close();
    }
  });
});
