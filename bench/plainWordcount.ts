import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';

/**
 * The baseline: a plain single-threaded Node loop with the same tokenisation as
 * examples/wordcount (maximal runs of Unicode letters or digits, lowercased), writing the same
 * JSON Lines result sorted by key. Prints `{ ms, words, maxRssBytes }`.
 */
const [output, ...files] = process.argv.slice(2);
const started = performance.now();
const WORD = /[\p{L}\p{N}]+/gu;
const counts = new Map<string, number>();
for (const file of files) {
  let rest = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = rest + (chunk as string);
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const words = line.match(WORD);
      if (words)
        for (const w of words) {
          const k = w.toLowerCase();
          counts.set(k, (counts.get(k) ?? 0) + 1);
        }
    }
  }
  for (const w of rest.match(WORD) ?? []) counts.set(w.toLowerCase(), (counts.get(w.toLowerCase()) ?? 0) + 1);
}
const keys = [...counts.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
await writeFile(
  output as string,
  keys.map((k) => `${JSON.stringify({ key: k, value: counts.get(k) })}\n`).join(''),
);
process.stdout.write(
  `${JSON.stringify({ ms: performance.now() - started, words: counts.size, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`,
);
