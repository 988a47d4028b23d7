import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { padBatch } from '../../../framework/contract/stream.js';
import { FileStore } from '../../../framework/store/FileStore.js';
import { dropOldStates } from '../../../framework/stream/dropStates.js';

let dir: string;
let store: FileStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stepmr-drop-states-'));
  store = new FileStore(dir);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const OUT = 'out/streams/totals/';

async function keys(): Promise<string[]> {
  const found: string[] = [];
  for await (const { key } of store.list('')) found.push(key);
  return found;
}

describe('dropOldStates', () => {
  it('keeps the state a batch builds on, the newest before it and newer ones; removes older ones only', async () => {
    const written: string[] = [];
    for (let b = 1; b <= 7; b++) {
      for (const name of ['part-00000.jsonl', 'part-00001.jsonl', '_SUCCESS']) {
        const key = `${OUT}snapshot=${padBatch(b)}/${name}`;
        await store.put(key, 'x');
        written.push(key);
      }
    }
    // Not stepmr's states: a look-alike name, a file beside them, another stream's, results.
    const foreign = [
      `${OUT}snapshot=0000000002x/part-00000.jsonl`,
      `${OUT}snapshots.txt`,
      `${OUT}batch=0000000001/part-00000.jsonl`,
      'out/streams/other/snapshot=0000000001/part-00000.jsonl',
      'out/streams/totals-2/snapshot=0000000001/part-00000.jsonl',
    ];
    for (const key of foreign) await store.put(key, 'y');

    const dropped = await dropOldStates(store, OUT, `snapshot=${padBatch(5)}/`);

    expect(dropped).toEqual([1, 2, 3].map((b) => `snapshot=${padBatch(b)}/`));
    const old = (key: string) => [1, 2, 3].some((b) => key.startsWith(`${OUT}snapshot=${padBatch(b)}/`));
    expect((await keys()).sort()).toEqual([...written.filter((k) => !old(k)), ...foreign].sort());
    // Again: nothing more to remove.
    expect(await dropOldStates(store, OUT, `snapshot=${padBatch(5)}/`)).toEqual([]);
  });

  it('works on a windowed stream’s open windows under _state/', async () => {
    for (const b of [0, 2, 3, 6]) await store.put(`${OUT}_state/batch=${padBatch(b)}/part-00000.jsonl`, 'x');
    await store.put(`${OUT}batch=${padBatch(0)}/part-00000.jsonl`, 'published');
    expect(await dropOldStates(store, OUT, `_state/batch=${padBatch(6)}/`)).toEqual([
      `_state/batch=${padBatch(0)}/`,
      `_state/batch=${padBatch(2)}/`,
    ]);
    expect((await keys()).sort()).toEqual(
      [
        `${OUT}_state/batch=${padBatch(3)}/part-00000.jsonl`,
        `${OUT}_state/batch=${padBatch(6)}/part-00000.jsonl`,
        `${OUT}batch=${padBatch(0)}/part-00000.jsonl`,
      ].sort(),
    );
  });

  it('refuses a folder that is not a state folder', async () => {
    for (const kept of ['batch=0000000003/', '../snapshot=0000000003/', 'snapshot=3/', '_state/x/']) {
      await expect(dropOldStates(store, OUT, kept), kept).rejects.toThrow('not a state folder');
    }
  });
});
