/** Test helpers for "messages never show keys or records": labels computed by hand, all text of an error. */
import { createHash } from 'node:crypto';

/**
 * The label an error message gives a string key, computed by hand rather than with stepmr's
 * encoder: `key#` and the first 12 hex digits of the SHA-256 of the key's canonical encoding
 * (tag 0x40, its UTF-8 bytes, 0x00), for keys without a 0x00 (which the encoding escapes).
 */
export function labelOfString(key: string): string {
  if (key.includes('\u0000')) throw new Error('labelOfString does not escape 0x00');
  const encoded = Buffer.concat([Buffer.from([0x40]), Buffer.from(key, 'utf8'), Buffer.from([0x00])]);
  return `key#${createHash('sha256').update(encoded).digest('hex').slice(0, 12)}`;
}

/**
 * Every text an error carries: its message, stack and own properties, and those of its causes,
 * as a message, a log line or an execution's cause could show them.
 */
export function textOf(error: unknown, seen = new Set<unknown>()): string {
  if (seen.has(error)) return '';
  seen.add(error);
  if (!(error instanceof Error))
    return typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error));
  const own = Object.fromEntries(Object.entries(error).filter(([k]) => k !== 'cause'));
  return [error.name, error.message, error.stack ?? '', JSON.stringify(own), textOf(error.cause, seen)].join(
    '\n',
  );
}
