import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'stepmr-e2e-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  // Retried: a worker still ending may be writing V8's code cache under a TMPDIR set inside it.
  return {
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }),
  };
}

export { rng } from '../support/rng.js';

/** The text of an input file as a plain reader sees it (gunzipped when it ends in .gz). */
export function readText(path: string): string {
  const raw = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
}

/** Lines of a text the plain way: split on LF or CRLF, no trailing empty line, BOM dropped. */
export function plainLines(text: string): string[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (body === '') return [];
  const lines = body.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Word counts computed with a plain loop: maximal runs of letters or digits, lowercased. */
export function plainWordCount(paths: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const path of paths) {
    for (const line of plainLines(readText(path))) {
      for (const m of line.matchAll(/[\p{L}\p{N}]+/gu)) {
        const w = m[0].toLowerCase();
        counts.set(w, (counts.get(w) ?? 0) + 1);
      }
    }
  }
  return counts;
}

/** Word counts of a JSON Lines output, by word. */
export function countsOf(out: Output): Map<string, number> {
  return new Map(out.records.map((r) => [r.key as string, r.value as number]));
}

/** What a committed output directory holds, checked against its `_SUCCESS` manifest. */
export interface Output {
  readonly records: { key: unknown; value: unknown }[];
  readonly partLines: string[][];
  readonly manifest: {
    parts: { name: string; records: number; bytes: number; sha256: string }[];
    records: { in: number; out: number };
    [k: string]: unknown;
  };
  readonly files: string[];
}

/**
 * Reads a JSON Lines output directory and checks the manifest against the files themselves:
 * exactly the listed parts exist, with the listed sizes, record counts and checksums.
 */
export function readOutput(dir: string): Output {
  const files = readdirSync(dir).sort();
  const manifest = JSON.parse(readFileSync(join(dir, '_SUCCESS'), 'utf8')) as Output['manifest'];
  const listed = manifest.parts.map((p) => p.name).sort();
  // A result with tolerated failures (or failed calls) keeps what a redrive needs in _temporary/.
  const failed =
    ((manifest.failedSplits as unknown[] | undefined)?.length ?? 0) +
    ((manifest.delegate as { failed?: number } | undefined)?.failed ?? 0);
  const present = files.filter((f) => f !== '_SUCCESS' && !(f === '_temporary' && failed > 0));
  if (JSON.stringify(listed) !== JSON.stringify(present)) {
    throw new Error(`_SUCCESS lists ${listed.join(',')} but the directory holds ${present.join(',')}`);
  }
  const records: Output['records'] = [];
  const partLines: string[][] = [];
  for (const part of manifest.parts) {
    const body = readFileSync(join(dir, part.name));
    if (body.length !== part.bytes)
      throw new Error(`${part.name}: ${body.length} bytes, manifest says ${part.bytes}`);
    const sha = createHash('sha256').update(body).digest('hex');
    if (sha !== part.sha256) throw new Error(`${part.name}: checksum ${sha}, manifest says ${part.sha256}`);
    const lines = body.toString('utf8').split('\n');
    lines.pop();
    if (lines.length !== part.records)
      throw new Error(`${part.name}: ${lines.length} records, manifest says ${part.records}`);
    partLines.push(lines);
    if (part.name.endsWith('.jsonl')) for (const line of lines) records.push(JSON.parse(line));
  }
  return { records, partLines, manifest, files };
}

const WORDS = [
  'alpha',
  'Beta',
  'GAMMA',
  'déjà',
  'Straße',
  'naïve',
  '東京',
  'καφέ',
  '42',
  'x1',
  'a',
  'zeta',
  'Ωmega',
  '𝔘nicode',
];
const SEPARATORS = [' ', '  ', ', ', '.', ' — ', '\t', '!? '];

/** Random text of `lines` lines: words of many scripts between varied separators. */
export function makeText(random: () => number, lines: number, crlf: boolean): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const n = Math.floor(random() * 12);
    let line = '';
    for (let j = 0; j < n; j++) {
      line += WORDS[Math.floor(random() * WORDS.length)];
      line += SEPARATORS[Math.floor(random() * SEPARATORS.length)];
    }
    out.push(line);
  }
  return out.join(crlf ? '\r\n' : '\n');
}

/** Requests and bytes per "status path", parsed by hand: the quoted request, then status and size. */
export function plainTraffic(files: readonly string[]): Map<string, { requests: number; bytes: number }> {
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
