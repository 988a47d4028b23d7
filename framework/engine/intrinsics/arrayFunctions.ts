import { arity, arrayArg, type IntrinsicFn, integerArg, intrinsicFailure, jsonEquals } from './support.js';

/**
 * The array intrinsics of Step Functions (intrinsic-functions.html, "Intrinsics for arrays").
 *
 * @example
 * ```ts
 * ARRAY_FUNCTIONS['States.ArrayLength']?.([[1, 2]], env, call); // 2
 * ```
 */
export const ARRAY_FUNCTIONS: Readonly<Record<string, IntrinsicFn>> = {
  'States.Array': (args) => args,

  'States.ArrayPartition': (args) => {
    const name = 'States.ArrayPartition';
    arity(name, args, 2);
    const items = arrayArg(name, args[0]);
    const size = integerArg(name, args[1]);
    if (size <= 0) intrinsicFailure(name, 'the chunk size must be a positive integer');
    const chunks: unknown[][] = [];
    for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
    return chunks;
  },

  'States.ArrayContains': (args) => {
    arity('States.ArrayContains', args, 2);
    return arrayArg('States.ArrayContains', args[0]).some((item) => jsonEquals(item, args[1]));
  },

  'States.ArrayRange': (args, env) => {
    const name = 'States.ArrayRange';
    arity(name, args, 3);
    const [start, end, step] = args.map((a) => integerArg(name, a)) as [number, number, number];
    if (step === 0) intrinsicFailure(name, 'the step must not be 0');
    const count = Math.max(0, Math.floor((end - start) / step) + 1);
    if (count > env.limits.arrayRangeItems) {
      intrinsicFailure(name, `the range has ${count} items, more than ${env.limits.arrayRangeItems}`);
    }
    return Array.from({ length: count }, (_, i) => start + i * step);
  },

  'States.ArrayGetItem': (args) => {
    const name = 'States.ArrayGetItem';
    arity(name, args, 2);
    const items = arrayArg(name, args[0]);
    const index = integerArg(name, args[1]);
    if (index < 0 || index >= items.length) {
      intrinsicFailure(name, `index ${index} is outside the array of ${items.length} items`);
    }
    return items[index];
  },

  'States.ArrayLength': (args) => {
    arity('States.ArrayLength', args, 1);
    return arrayArg('States.ArrayLength', args[0]).length;
  },

  'States.ArrayUnique': (args) => {
    arity('States.ArrayUnique', args, 1);
    const unique: unknown[] = [];
    for (const item of arrayArg('States.ArrayUnique', args[0])) {
      if (!unique.some((u) => jsonEquals(u, item))) unique.push(item);
    }
    return unique;
  },
};
