import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { runEmbedded } from '../../framework/index.js';
import { plainLines, readOutput, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Requests and bytes per "status path", parsed by hand: the quoted request, then status and size. */
function plainTraffic(files: readonly string[]): Map<string, { requests: number; bytes: number }> {
  const totals = new Map<string, { requests: number; bytes: number }>();
  const add = (key: string, bytes: number) => {
    const t = totals.get(key) ?? { requests: 0, bytes: 0 };
    totals.set(key, { requests: t.requests + 1, bytes: t.bytes + bytes });
  };
  for (const file of files) {
    for (const line of plainLines(readFileSync(file, 'utf8'))) {
      if (line === '') continue;
      const open = line.indexOf('"');
      const close = line.indexOf('"', open + 1);
      const request = open > 0 && line.includes('[') ? line.slice(open + 1, close).split(' ') : [];
      const after = line.slice(close + 2).split(' ');
      if (request.length < 2 || !/^\d{3}$/.test(after[0] ?? '')) {
        add('0 (unparsed)', 0);
        continue;
      }
      const path = (request[1] ?? '').split('?')[0];
      add(`${Number(after[0])} ${path}`, after[1] === '-' ? 0 : Number(after[1]));
    }
  }
  return totals;
}

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
