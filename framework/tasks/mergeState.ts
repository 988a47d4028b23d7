import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Key } from '../job/types.js';
import { compareEncoded, encodeKey, type KeyGroup } from '../shuffle/index.js';
import { TaskInputError } from './errors.js';

/** A key group to reduce, or a kept total no new value touched (written as it is). */
export interface MergedGroup {
  readonly key: Key;
  readonly values: unknown[];
  /** True for a previous total with no new values: it is written unchanged, not reduced. */
  readonly carried: boolean;
}

/**
 * Merges a reducer's key groups (in key order) with its partition of the previous state (a
 * part the same reducer wrote in the batch before: `{"key":…,"value":…}` lines, in the same key
 * order, as the same partitioner and reducer count put them there). A key in both is reduced
 * with its previous total first; a key only in the state is carried unchanged; a key only in the
 * new values is reduced alone. The state is read as a stream, one line at a time, so the
 * reducer never holds its partition of the table. A state part out of key order is refused: it
 * was not written by this reducer.
 *
 * @example
 * ```ts
 * for await (const group of mergeState(mergeRuns(runs), store.read(stateKey), stateUri)) {
 *   const value = group.carried ? group.values[0] : reduce(group.key, group.values);
 * }
 * ```
 */
export async function* mergeState(
  groups: AsyncIterable<KeyGroup<Key, unknown>>,
  state: Readable,
  where: string,
): AsyncGenerator<MergedGroup> {
  const lines = createInterface({ input: state, crlfDelay: Number.POSITIVE_INFINITY })[
    Symbol.asyncIterator
  ]();
  let line = 0;
  let last: Buffer | undefined;
  const next = async (): Promise<{ key: Key; value: unknown; encoded: Buffer } | undefined> => {
    for (;;) {
      const read = await lines.next();
      if (read.done) return undefined;
      line++;
      if (read.value === '') continue;
      let record: { key: Key; value: unknown };
      try {
        record = JSON.parse(read.value) as { key: Key; value: unknown };
      } catch (cause) {
        throw new TaskInputError(`state part ${where} line ${line} is not JSON; it was edited`, { cause });
      }
      const encoded = encodeKey(record.key);
      if (last && compareEncoded(last, encoded) >= 0) {
        throw new TaskInputError(
          `state part ${where} line ${line} is out of key order, so another partitioner or reducer count wrote it; keep the stream's reducers fixed, or start it afresh`,
        );
      }
      last = encoded;
      return { key: record.key, value: record.value, encoded };
    }
  };
  let head = await next();
  try {
    for await (const group of groups) {
      const encoded = encodeKey(group.key);
      while (head && compareEncoded(head.encoded, encoded) < 0) {
        yield { key: head.key, values: [head.value], carried: true };
        head = await next();
      }
      if (head && compareEncoded(head.encoded, encoded) === 0) {
        yield { key: group.key, values: [head.value, ...group.values], carried: false };
        head = await next();
      } else {
        yield { key: group.key, values: group.values, carried: false };
      }
    }
    while (head) {
      yield { key: head.key, values: [head.value], carried: true };
      head = await next();
    }
  } finally {
    state.destroy();
  }
}
