import { mkdir, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ObjectNotFoundError } from './errors.js';
import type { Store } from './Store.js';

/**
 * Moves an object between stores: a rename when both are local directories, otherwise a
 * streamed copy followed by a delete of the source.
 *
 * @example
 * ```ts
 * await moveObject(work, 'job/parts/part-00000', output, 'part-00000.jsonl');
 * ```
 */
export async function moveObject(from: Store, fromKey: string, to: Store, toKey: string): Promise<void> {
  if (from === to) return from.move(fromKey, toKey);
  if (from.url.startsWith('file:') && to.url.startsWith('file:')) {
    const target = join(fileURLToPath(to.url), toKey);
    await mkdir(dirname(target), { recursive: true });
    await rename(join(fileURLToPath(from.url), fromKey), target);
    return;
  }
  await to.put(toKey, from.read(fromKey));
  await from.delete([fromKey]);
}

/**
 * Deletes the objects under `prefix` that `select` picks (all by default); resolves with how
 * many.
 *
 * @example
 * ```ts
 * await deleteUnder(work, 'work/job-1/', (key) => !key.endsWith('job.json'));
 * ```
 */
export async function deleteUnder(
  store: Store,
  prefix: string,
  select: (key: string) => boolean = () => true,
): Promise<number> {
  const keys: string[] = [];
  for await (const object of store.list(prefix)) if (select(object.key)) keys.push(object.key);
  if (keys.length > 0) await store.delete(keys);
  return keys.length;
}

/**
 * Reads an object holding JSON and parses it; undefined when there is no such object.
 *
 * @example
 * ```ts
 * const manifest = await readJsonIfAny<SuccessManifest>(output, 'out/wc/_SUCCESS');
 * ```
 */
export async function readJsonIfAny<T>(store: Store, key: string): Promise<T | undefined> {
  try {
    return JSON.parse((await store.get(key)).toString('utf8')) as T;
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
}
