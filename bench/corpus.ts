import { createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ne',
  'ru',
  'sa',
  'ti',
  'vo',
  'ze',
  'qu',
  'är',
  'ün',
  'ßo',
  'éa',
  'ño',
  'ba',
  'de',
  'fi',
  'go',
  'hu',
  'ja',
  'pe',
  'wi',
  'xo',
  'yu',
  'ch',
  'th',
  'st',
  'ou',
  'ie',
];

/** A deterministic vocabulary of `size` distinct words, some with non-ASCII letters. */
function vocabulary(size: number): string[] {
  const words = new Set<string>();
  let seed = 12345;
  // mulberry32: an LCG's low bits repeat with a short period, which would starve the vocabulary.
  const next = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  while (words.size < size) {
    const n = 1 + (next() % 4);
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[next() % SYLLABLES.length];
    if (next() % 10 === 0) w = w[0]?.toUpperCase() + w.slice(1);
    words.add(w);
  }
  return [...words];
}

/**
 * Writes `files` text files of about `bytesPerFile` each into `dir` (once: reused when present),
 * with Zipf-distributed words from a 100,000-word vocabulary, punctuation and digits.
 */
export async function makeCorpus(dir: string, files: number, bytesPerFile: number): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const vocab = vocabulary(100_000);
  // Zipf(1) sampling through a cumulative table.
  const cumulative = new Float64Array(vocab.length);
  let total = 0;
  for (let i = 0; i < vocab.length; i++) {
    total += 1 / (i + 1);
    cumulative[i] = total;
  }
  const paths: string[] = [];
  let seed = 7;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const pick = () => {
    const x = random() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return vocab[lo] as string;
  };
  for (let f = 0; f < files; f++) {
    const path = join(dir, `part-${f}.txt`);
    paths.push(path);
    if (existsSync(path) && statSync(path).size >= bytesPerFile) continue;
    const out = createWriteStream(path);
    let written = 0;
    while (written < bytesPerFile) {
      const lines: string[] = [];
      for (let l = 0; l < 2000; l++) {
        const n = 4 + Math.floor(random() * 12);
        const words: string[] = [];
        for (let i = 0; i < n; i++) words.push(pick());
        if (random() < 0.1) words.push(String(Math.floor(random() * 2000)));
        lines.push(`${words.join(random() < 0.2 ? ', ' : ' ')}.`);
      }
      const chunk = `${lines.join('\n')}\n`;
      written += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  }
  return paths;
}
