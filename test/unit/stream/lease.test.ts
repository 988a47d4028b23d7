import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LEASE_KEY, takeLease } from '../../../framework/runtime/embedded/streamLease.js';
import { FileStore } from '../../../framework/store/FileStore.js';
import { StreamBusyError } from '../../../framework/stream/errors.js';

let dir: string;
let checkpoint: FileStore;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'stepmr-lease-'));
  checkpoint = new FileStore(dir);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('takeLease', () => {
  it('lets one driver at a time run a stream, and another once it released', async () => {
    const release = await takeLease(checkpoint, 'clicks', { pid: 101, isAlive: () => true });
    await expect(takeLease(checkpoint, 'clicks', { pid: 102, isAlive: () => true })).rejects.toThrow(
      /run by process 101 of this machine/,
    );
    await release();
    const again = await takeLease(checkpoint, 'clicks', { pid: 102, isAlive: () => true });
    expect(JSON.parse((await checkpoint.get(LEASE_KEY)).toString())).toMatchObject({ pid: 102 });
    await again();
  });

  it('takes over the lease of a driver that was killed', async () => {
    await takeLease(checkpoint, 'clicks', { pid: 101 });
    const release = await takeLease(checkpoint, 'clicks', { pid: 102, isAlive: (pid) => pid !== 101 });
    expect(JSON.parse((await checkpoint.get(LEASE_KEY)).toString())).toMatchObject({ pid: 102 });
    await release();
    expect(await checkpoint.head(LEASE_KEY)).toBeUndefined();
  });

  it("refuses another machine's lease, saying how to clear it", async () => {
    await checkpoint.put(LEASE_KEY, JSON.stringify({ pid: 7, host: `not-${hostname()}`, since: 'then' }));
    const error = await takeLease(checkpoint, 'clicks', { isAlive: () => false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamBusyError);
    expect((error as Error).message).toContain(`delete ${checkpoint.url}${LEASE_KEY}`);
  });
});
