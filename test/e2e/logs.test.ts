import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { runEmbedded } from '../../framework/index.js';
import { plainTraffic, readOutput, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const DATA = 'examples/logs/data';
const files = readdirSync(DATA).map((f) => join(DATA, f));

describe('logs example, embedded', () => {
  const expected = plainTraffic(files);

  it('sums requests and bytes per status and path', async () => {
    const output = join(tmp.dir, 'jsonl');
    await runEmbedded({
      job: 'examples/logs',
      inputs: [DATA],
      output,
      splitSize: 20_000,
      reducers: 3,
      threads: 2,
    });
    const out = readOutput(output);
    const got = new Map(
      out.records.map((r) => {
        const [status, path] = r.key as [number, string];
        return [`${status} ${path}`, r.value as { requests: number; bytes: number }];
      }),
    );
    expect(Object.fromEntries([...got].sort())).toEqual(Object.fromEntries([...expected].sort()));
    expect(expected.get('0 (unparsed)')?.requests).toBeGreaterThan(0);
  });

  it('writes CSV with the value fields as columns when asked', async () => {
    const output = join(tmp.dir, 'csv');
    await runEmbedded({
      job: 'examples/logs',
      inputs: [DATA],
      output,
      format: 'csv',
      reducers: 2,
      threads: 2,
    });
    const names = readdirSync(output).filter((f) => f.endsWith('.csv'));
    expect(names).toHaveLength(2);
    const rows = names.flatMap(
      (n) => parse(readFileSync(join(output, n)), { columns: true }) as Record<string, string>[],
    );
    const got = new Map(
      rows.map((r) => {
        const [status, path] = JSON.parse(r.key ?? '[]') as [number, string];
        return [`${status} ${path}`, { requests: Number(r.requests), bytes: Number(r.bytes) }];
      }),
    );
    expect(Object.fromEntries([...got].sort())).toEqual(Object.fromEntries([...expected].sort()));
  });
});
