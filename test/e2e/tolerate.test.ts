import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runEmbedded, type SuccessManifest } from '../../framework/index.js';
import { encodeKey, partitionOf } from '../../framework/shuffle/index.js';
import { labelOfString, textOf } from '../support/secrets.js';
import { plainLines, plainWordCount, readOutput, readText, tempDir } from './helpers.js';

const tmp = tempDir('stepmr-tolerate-');
afterAll(() => tmp.cleanup());

const clean = [join(tmp.dir, 'a.txt'), join(tmp.dir, 'b.txt')];
const poisoned = join(tmp.dir, 'c.txt');
writeFileSync(clean[0] as string, 'one two three\nTwo three\n');
writeFileSync(clean[1] as string, 'three FOUR\nfour four\n');
writeFileSync(poisoned, 'five six\nthis line is poison\nsix\n');
const inputs = [...clean, poisoned];

describe('tolerated map failures, embedded', () => {
  it.each([{ percent: 34 }, { count: 1 }])(
    'succeed within %j, leave the failed split out and list it',
    async (tolerate) => {
      const output = join(tmp.dir, `out-${JSON.stringify(tolerate).replace(/\W/g, '')}`);
      await runEmbedded({
        job: 'test/fixtures/jobs/poison.ts',
        inputs,
        output,
        splitsPerTask: 1,
        tolerate,
        threads: 2,
      });
      const out = readOutput(output);
      expect(new Map(out.records.map((r) => [r.key as string, r.value as number]))).toEqual(
        plainWordCount(clean),
      );
      const manifest = out.manifest as unknown as SuccessManifest;
      expect(manifest.failedSplits).toHaveLength(1);
      const failed = manifest.failedSplits[0];
      expect(failed?.error).toBe('UserCodeError');
      expect(failed?.message).toContain('poison');
      expect(failed?.splits.map((s) => [s.uri.endsWith('/c.txt'), s.start, s.end])).toEqual([
        [true, 0, statSync(poisoned).size],
      ]);
    },
  );

  it('fail past the tolerance, naming the error, and publish nothing', async () => {
    const output = join(tmp.dir, 'out-strict');
    const run = runEmbedded({
      job: 'test/fixtures/jobs/poison.ts',
      inputs,
      output,
      splitsPerTask: 1,
      tolerate: { percent: 10 },
      threads: 2,
    });
    await expect(run).rejects.toThrow(/c\.txt line 2.*poison|poison.*c\.txt line 2/);
    expect(existsSync(output)).toBe(false);
  });
});

// Error messages reach the execution's history and cause, logs and _SUCCESS: they name the
// split or partition and a key's label (key#<hash>), never the key (here, email addresses).
describe('failures on keys holding personal data, embedded', () => {
  const secretKey = (stage: string) => `${stage}-alice.secret@example.com`;
  const file = (name: string, body: string) => {
    const path = join(tmp.dir, name);
    writeFileSync(path, body);
    return path;
  };
  const combineFails = file('combine.txt', `six ${secretKey('combine')}\n${secretKey('combine')} six\n`);
  const objectKey = file('object.txt', 'seven\nobject bob.secret@example.com\n');
  const reduceFails = file('reduce.txt', `eight ${secretKey('reduce')}\n`);
  /** Space-separated word counts, the plain way (the job does not lowercase). */
  const plainCounts = (paths: readonly string[]) => {
    const counts = new Map<string, number>();
    for (const path of paths)
      for (const line of plainLines(readText(path)))
        for (const w of line.split(' ')) if (w !== '') counts.set(w, (counts.get(w) ?? 0) + 1);
    return counts;
  };

  it('tolerated: _SUCCESS and the history name the split and the key label only', async () => {
    const output = join(tmp.dir, 'out-secret-tolerated');
    const events: string[] = [];
    await runEmbedded({
      job: 'test/fixtures/jobs/pii-words.ts',
      inputs: [...clean, combineFails, objectKey],
      output,
      splitsPerTask: 1,
      tolerate: { count: 2 },
      threads: 2,
      onEvent: (event) => events.push(JSON.stringify(event)),
    });
    const out = readOutput(output);
    expect(new Map(out.records.map((r) => [r.key as string, r.value as number]))).toEqual(plainCounts(clean));
    const success = readFileSync(join(output, '_SUCCESS'), 'utf8');
    expect(success).not.toContain('.secret@');
    expect(events.join('\n')).not.toContain('.secret@');
    const failed = (out.manifest as unknown as SuccessManifest).failedSplits;
    const of = (path: string) =>
      failed.find((f) => f.splits.some((s) => s.uri.endsWith(path.slice(tmp.dir.length))));
    const combine = of(combineFails);
    expect(combine?.error).toBe('UserCodeError');
    expect(combine?.message).toContain(`combine threw on ${labelOfString(secretKey('combine'))}`);
    expect(combine?.message).toContain(`combine.txt bytes 0-${statSync(combineFails).size}`);
    const object = of(objectKey);
    expect(object?.error).toBe('InvalidKeyError');
    expect(object?.message).toContain('invalid key: an object is not a key type');
    expect(object?.message).toContain('object.txt line 2');
  });

  it('not tolerated: the error and its causes name the partition and the key label only', async () => {
    const output = join(tmp.dir, 'out-secret-failed');
    const events: string[] = [];
    const reducers = 3;
    const error = await runEmbedded({
      job: 'test/fixtures/jobs/pii-words.ts',
      inputs: [...clean, reduceFails],
      output,
      reducers,
      threads: 2,
      onEvent: (event) => events.push(JSON.stringify(event)),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const partition = partitionOf(encodeKey(secretKey('reduce')), reducers);
    expect((error as Error).message).toContain(
      `reduce threw on ${labelOfString(secretKey('reduce'))} (partition ${partition}): reduce refuses this key`,
    );
    expect(textOf(error)).not.toContain('.secret@');
    expect(events.join('\n')).toContain(labelOfString(secretKey('reduce')));
    expect(events.join('\n')).not.toContain('.secret@');
    expect(existsSync(output)).toBe(false);
  });
});
