import { requirePath } from '../paths.js';
import { INTRINSICS } from './functions.js';
import type { IntrinsicArg, IntrinsicCall } from './parser.js';
import type { IntrinsicEnv } from './support.js';

function evaluateArg(arg: IntrinsicArg, data: unknown, context: unknown, env: IntrinsicEnv): unknown {
  switch (arg.kind) {
    case 'literal':
      return arg.value;
    case 'path':
      return requirePath(arg.path, data, context, 'intrinsic function argument');
    case 'call':
      return evaluateIntrinsic(arg, data, context, env);
  }
}

/**
 * Evaluates a parsed intrinsic call (see `parseIntrinsic`) against the state's data and the
 * context object. Bad arguments fail with `States.IntrinsicFailure`.
 *
 * @example
 * ```ts
 * evaluateIntrinsic(parseIntrinsic('States.ArrayLength($.a)'), { a: [1, 2] }, {}, env); // 2
 * ```
 */
export function evaluateIntrinsic(
  call: IntrinsicCall,
  data: unknown,
  context: unknown,
  env: IntrinsicEnv,
): unknown {
  const args = call.args.map((arg) => evaluateArg(arg, data, context, env));
  const fn = INTRINSICS[call.name];
  if (!fn) throw new Error(`unknown intrinsic ${call.name}`);
  return fn(args, env, call);
}
