import type { DelegateTask } from './types.js';

/**
 * What a run may call, when the tasks come from elsewhere (a deployed stage runs tasks read
 * from storage): URL origins (`https://api.example.com`) and Lambda function names (the
 * name, whatever ARN or qualifier a task gives). Absent, a kind of task is not restricted.
 *
 * @example
 * ```ts
 * const allow: CallAllowList = { origins: ['https://abc123.execute-api.us-east-1.amazonaws.com'], functions: ['enrich'] };
 * ```
 */
export interface CallAllowList {
  readonly origins?: readonly string[];
  readonly functions?: readonly string[];
}

/** `arn:aws:lambda:us-east-1:123456789012:function:enrich:live` → `enrich`. */
function bareFunctionName(name: string): string {
  const afterArn = name.includes(':function:') ? (name.split(':function:')[1] ?? '') : name;
  return afterArn.split(':')[0] ?? '';
}

/**
 * Why `task` is outside `allow`, or `undefined` when it may be called.
 *
 * @example
 * ```ts
 * refusal(http('http://169.254.169.254/latest').get(), { origins: ['https://api.example.com'] });
 * // 'origin http://169.254.169.254 is not among the origins this run may call'
 * ```
 */
export function refusal(task: DelegateTask, allow: CallAllowList | undefined): string | undefined {
  if (task.kind === 'http') {
    if (allow?.origins === undefined) return undefined;
    const origin = new URL(task.url).origin;
    const allowed = allow.origins.some((o) => new URL(o).origin === origin);
    return allowed ? undefined : `origin ${origin} is not among the origins this run may call`;
  }
  if (allow?.functions === undefined) return undefined;
  const name = bareFunctionName(task.functionName);
  return allow.functions.some((f) => bareFunctionName(f) === name)
    ? undefined
    : `Lambda function ${name} is not among the functions this run may invoke`;
}
