import { createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The columns of AMPLab big-data-benchmark's `uservisits` table, in its order. */
export const USERVISITS_COLUMNS = [
  'sourceIP',
  'destURL',
  'visitDate',
  'adRevenue',
  'userAgent',
  'countryCode',
  'languageCode',
  'searchWord',
  'duration',
] as const;

const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0',
  'Opera/9.80 (Macintosh; Intel Mac OS X; U; en) Presto/2.2.15 Version/10.00',
  'Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)',
  'Googlebot/2.1 (+http://www.google.com/bot.html)',
];
const COUNTRIES = ['USA', 'DEU', 'FRA', 'GBR', 'JPN', 'BRA', 'IND', 'CHN', 'NOR', 'ESP'];
const LANGUAGES = ['en-US', 'de-DE', 'fr-FR', 'en-GB', 'ja-JP', 'pt-BR', 'hi-IN', 'zh-CN', 'nb-NO', 'es-ES'];
const WORDS = ['cheap', 'flights', 'weather', 'news', 'recipes', 'music', 'stocks', 'maps', 'games', 'shoes'];

/**
 * Writes `files` CSV files of about `bytesPerFile` each into `dir` (once: reused when present)
 * with AMPLab's uservisits schema and a header row: random source IPs (about 500,000 distinct
 * `SUBSTR(sourceIP, 1, 8)` groups per 200 MB), adRevenue with six decimals, dates in 1970–2009,
 * no quoted fields (as AMPLab's files). Deterministic: the same arguments give the same bytes.
 *
 * @example
 * ```ts
 * const files = await makeUservisits('bench/data/uservisits-128', 2, 64 * 1024 * 1024);
 * ```
 */
export async function makeUservisits(dir: string, files: number, bytesPerFile: number): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  let seed = 2024;
  const next = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const pick = <T>(list: readonly T[]) => list[next() % list.length] as T;
  const paths: string[] = [];
  for (let f = 0; f < files; f++) {
    const path = join(dir, `uservisits-${f}.csv`);
    paths.push(path);
    if (existsSync(path) && statSync(path).size >= bytesPerFile) continue;
    const out = createWriteStream(path);
    let written = 0;
    let chunk = `${USERVISITS_COLUMNS.join(',')}\n`;
    while (written < bytesPerFile) {
      const rows: string[] = [];
      for (let r = 0; r < 2000; r++) {
        const ip = `${next() % 256}.${next() % 256}.${next() % 256}.${next() % 256}`;
        const url = `http://${pick(WORDS)}${next() % 10000}.example.com/${pick(WORDS)}/${next() % 100000}.html`;
        const date = `${1970 + (next() % 40)}-${String(1 + (next() % 12)).padStart(2, '0')}-${String(1 + (next() % 28)).padStart(2, '0')}`;
        const revenue = `${next() % 1000}.${String(next() % 1_000_000).padStart(6, '0')}`;
        const i = next() % COUNTRIES.length;
        rows.push(
          `${ip},${url},${date},${revenue},${pick(AGENTS)},${COUNTRIES[i]},${LANGUAGES[i]},${pick(WORDS)},${1 + (next() % 100)}`,
        );
      }
      chunk += `${rows.join('\n')}\n`;
      written += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = '';
    }
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  }
  return paths;
}
