// Writes waves of click files into a directory, as web servers ship their logs: each file is
// written under a hidden name (.name) and renamed into place, so a stream never sees half a file.
//
//   node bin/tsnode.js examples/clickstream/generate.ts <dir> [--files 10] [--clicks 100] [--waves 1] [--every 2s] [--seed 1]
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const PAGES = ['/', '/pricing', '/docs', '/docs/streams', '/blog', '/signup', '/login', '/about'];

/** A small deterministic generator (mulberry32), so a seed gives the same files. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    files: { type: 'string', default: '10' },
    clicks: { type: 'string', default: '100' },
    waves: { type: 'string', default: '1' },
    every: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
  },
});
const dir = positionals[0];
if (!dir) {
  process.stderr.write(
    'usage: generate.ts <dir> [--files n] [--clicks n] [--waves n] [--every ms] [--seed n]\n',
  );
  process.exit(2);
}
const next = random(Number(values.seed));
await mkdir(dir, { recursive: true });
for (let wave = 0; wave < Number(values.waves); wave++) {
  if (wave > 0) await new Promise((done) => setTimeout(done, Number(values.every)));
  for (let f = 0; f < Number(values.files); f++) {
    const lines: string[] = [];
    for (let c = 0; c < Number(values.clicks); c++) {
      const page = PAGES[Math.floor(next() * next() * PAGES.length)] ?? '/';
      const user = `u${Math.floor(next() * 500)}`;
      lines.push(JSON.stringify({ user, page, time: new Date().toISOString() }));
    }
    const name = `clicks-${Date.now()}-${wave}-${f}.jsonl`;
    await writeFile(join(dir, `.${name}`), `${lines.join('\n')}\n`);
    await rename(join(dir, `.${name}`), join(dir, name));
  }
  process.stdout.write(`wave ${wave}: ${values.files} files of ${values.clicks} clicks in ${dir}\n`);
}
