import { createHash } from 'node:crypto';
import type { Key } from '../job/types.js';
import { encodeKey } from './keyCodec.js';

/** Hex digits of the SHA-256 a key label keeps: 48 bits, enough to tell a job's keys apart. */
const LABEL_HEX_DIGITS = 12;

/**
 * How an error message names a key without showing it: `key#` and the first 12 hex digits of
 * the SHA-256 of the key's canonical encoding (`encodeKey`). Equal keys get the same label in
 * every process and run, so the key can be found again by labelling one's own candidate keys.
 * Throws `InvalidKeyError` for a value that is not a key.
 *
 * @example
 * ```ts
 * keyLabel(['GET', '/index.html']); // 'key#' and 12 hex digits, the same on every machine
 * ```
 */
export function keyLabel(key: Key): string {
  const hash = createHash('sha256').update(encodeKey(key)).digest('hex');
  return `key#${hash.slice(0, LABEL_HEX_DIGITS)}`;
}
