import { describe, expect, it } from 'vitest';
import { KeyedLock } from '../../../../framework/runtime/offline/keyedLock.js';

/** Lets every pending promise callback run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyedLock', () => {
  it('lets readers share a key, a writer have it alone, in arrival order', async () => {
    const locks = new KeyedLock();
    const log: string[] = [];
    const take = (name: string, write: boolean) =>
      (write ? locks.write('k') : locks.read('k')).then((release) => {
        log.push(name);
        return release;
      });
    const r1 = take('r1', false);
    const r2 = take('r2', false);
    const w1 = take('w1', true);
    const r3 = take('r3', false); // arrives after w1: must not overtake it
    const other = locks.write('other').then(() => log.push('other'));
    await settle();
    expect(log).toEqual(['r1', 'r2', 'other']);
    (await r1)();
    await settle();
    expect(log).toEqual(['r1', 'r2', 'other']);
    (await r2)();
    await settle();
    expect(log).toEqual(['r1', 'r2', 'other', 'w1']);
    const release = await w1;
    release();
    release(); // a second call changes nothing
    await settle();
    expect(log).toEqual(['r1', 'r2', 'other', 'w1', 'r3']);
    (await r3)();
    await other;
  });

  it('runs writers of one key one at a time', async () => {
    const locks = new KeyedLock();
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const release = await locks.write('k');
        inside += 1;
        most = Math.max(most, inside);
        await settle();
        inside -= 1;
        release();
      }),
    );
    expect(most).toBe(1);
  });
});
