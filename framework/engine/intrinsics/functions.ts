import { createHash, randomUUID } from 'node:crypto';
import { ARRAY_FUNCTIONS } from './arrayFunctions.js';
import { arity, type IntrinsicFn, integerArg, intrinsicFailure, stringArg } from './support.js';

const HASHES: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};
const INT_MIN = -2_147_483_648;
const INT_MAX = 2_147_483_647;

/** Splits a States.Format template into literal parts around `{}`; `escaped` resolves `\{ \} \\ \'`. */
function formatParts(template: string, escaped: boolean): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i] as string;
    if (escaped && c === '\\') {
      current += template[i + 1] ?? '';
      i++;
    } else if (c === '{' && template[i + 1] === '}') {
      parts.push(current);
      current = '';
      i++;
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

/** A small seeded PRNG (mulberry32), for `States.MathRandom` with a seed. */
function seeded(seed: number): number {
  let t = (seed + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}

const OTHER_FUNCTIONS: Readonly<Record<string, IntrinsicFn>> = {
  'States.Format': (args, _env, call) => {
    if (args.length === 0) intrinsicFailure('States.Format', 'expected a template string');
    const first = call.args[0];
    const raw = first?.kind === 'literal' ? first.raw : undefined;
    const parts = formatParts(raw ?? stringArg('States.Format', args[0]), raw !== undefined);
    const values = args.slice(1);
    if (parts.length - 1 !== values.length) {
      intrinsicFailure(
        'States.Format',
        `the template has ${parts.length - 1} {} but ${values.length} values follow`,
      );
    }
    return parts.reduce((out, part, i) => {
      const value = values[i - 1];
      return i === 0 ? part : out + (typeof value === 'string' ? value : JSON.stringify(value)) + part;
    }, '');
  },
  'States.StringToJson': (args) => {
    arity('States.StringToJson', args, 1);
    const text = stringArg('States.StringToJson', args[0]);
    try {
      return JSON.parse(text);
    } catch {
      return intrinsicFailure('States.StringToJson', `the string is not JSON: ${text.slice(0, 200)}`);
    }
  },
  'States.JsonToString': (args) => {
    arity('States.JsonToString', args, 1);
    return JSON.stringify(args[0]);
  },
  'States.JsonMerge': (args) => {
    arity('States.JsonMerge', args, 3);
    const [a, b, deep] = args;
    const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
    if (!isObject(a) || !isObject(b))
      intrinsicFailure('States.JsonMerge', 'both values to merge must be objects');
    if (deep !== false)
      intrinsicFailure(
        'States.JsonMerge',
        'only shallow merging is supported: the third argument must be false',
      );
    return { ...(a as object), ...(b as object) };
  },
  'States.StringSplit': (args) => {
    arity('States.StringSplit', args, 2);
    const text = stringArg('States.StringSplit', args[0]);
    const delimiters = new Set(stringArg('States.StringSplit', args[1]));
    const parts: string[] = [];
    let current = '';
    for (const c of text) {
      if (delimiters.has(c)) {
        if (current) parts.push(current);
        current = '';
      } else current += c;
    }
    if (current) parts.push(current);
    return parts;
  },
  'States.MathAdd': (args) => {
    arity('States.MathAdd', args, 2);
    const sum = integerArg('States.MathAdd', args[0]) + integerArg('States.MathAdd', args[1]);
    if (sum < INT_MIN || sum > INT_MAX)
      intrinsicFailure('States.MathAdd', 'the sum is outside the 32-bit integer range');
    return sum;
  },
  'States.MathRandom': (args, env) => {
    arity('States.MathRandom', args, 2, 3);
    const start = integerArg('States.MathRandom', args[0]);
    const end = integerArg('States.MathRandom', args[1]);
    if (end <= start) intrinsicFailure('States.MathRandom', 'the end must be greater than the start');
    const r = args.length === 3 ? seeded(integerArg('States.MathRandom', args[2])) : env.random();
    return start + Math.floor(r * (end - start));
  },
  'States.UUID': (args) => {
    arity('States.UUID', args, 0);
    return randomUUID();
  },
  'States.Hash': (args, env) => {
    arity('States.Hash', args, 2);
    const data = stringArg('States.Hash', args[0], env.limits.intrinsicStringChars);
    const algorithm = HASHES[stringArg('States.Hash', args[1])];
    if (!algorithm)
      intrinsicFailure('States.Hash', `the algorithm must be one of ${Object.keys(HASHES).join(', ')}`);
    return createHash(algorithm).update(data, 'utf8').digest('hex');
  },
  'States.Base64Encode': (args, env) => {
    arity('States.Base64Encode', args, 1);
    return Buffer.from(stringArg('States.Base64Encode', args[0], env.limits.intrinsicStringChars)).toString(
      'base64',
    );
  },
  'States.Base64Decode': (args, env) => {
    arity('States.Base64Decode', args, 1);
    const text = stringArg('States.Base64Decode', args[0], env.limits.intrinsicStringChars);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text))
      intrinsicFailure('States.Base64Decode', 'the string is not Base64');
    return Buffer.from(text, 'base64').toString('utf8');
  },
};

/**
 * Every intrinsic function the engine runs, by name.
 *
 * @example
 * ```ts
 * Object.keys(INTRINSICS).includes('States.Format'); // true
 * ```
 */
export const INTRINSICS: Readonly<Record<string, IntrinsicFn>> = { ...ARRAY_FUNCTIONS, ...OTHER_FUNCTIONS };
