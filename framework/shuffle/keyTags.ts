/**
 * Type tags of the key encoding, in key order: null < false < true < numbers < strings < arrays.
 * `END` closes an array and sorts below every tag, so a prefix sorts before a longer array.
 *
 * @example
 * ```ts
 * encodeKey(null)[0] === KeyTag.NULL; // true
 * ```
 */
export const KeyTag = {
  END: 0x00,
  NULL: 0x10,
  FALSE: 0x20,
  TRUE: 0x21,
  NUMBER: 0x30,
  STRING: 0x40,
  ARRAY: 0x50,
  /** Follows a 0x00 byte inside a string: the 0x00 is data, not the terminator. */
  ESCAPE: 0xff,
} as const;

/**
 * How deep arrays may nest in a key; deeper (or cyclic) keys are rejected.
 *
 * @example
 * ```ts
 * if (depth >= MAX_KEY_DEPTH) throw new InvalidKeyError('too deep');
 * ```
 */
export const MAX_KEY_DEPTH = 64;

/**
 * What a key may be, for error messages.
 *
 * @example
 * ```ts
 * throw new InvalidKeyError(`invalid key {}: an object; ${KEY_RULE}`);
 * ```
 */
export const KEY_RULE =
  'a key must be a string (well-formed Unicode), a finite number, a boolean, null, or an array of keys';

/**
 * Whether a string is well-formed UTF-16 (no lone surrogates), so it survives UTF-8.
 *
 * @example
 * ```ts
 * isWellFormed('\uD800'); // false
 * ```
 */
export function isWellFormed(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}
