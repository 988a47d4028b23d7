import { type delegateResultSchema, delegateTaskSchema } from '../contract/delegate.js';
import type { DelegateResult, DelegateTask } from './types.js';

// The schemas and the hand-written types must agree: what a schema accepts is a DelegateTask
// or a DelegateResult.
type Accepted = ReturnType<typeof delegateTaskSchema.parse>;
const _agrees = (t: Accepted): DelegateTask => t;
const _resultAgrees = (r: ReturnType<typeof delegateResultSchema.parse>): DelegateResult => r;
void _agrees;
void _resultAgrees;

/**
 * A task checked against the contract, or the reason it is not one (each issue with its path),
 * for an executor that makes a failed result of a bad task instead of failing its batch.
 *
 * @example
 * ```ts
 * const checked = parseTask(JSON.parse(line));
 * if (!checked.ok) console.error(checked.reason);
 * ```
 */
export function parseTask(value: unknown): { ok: true; task: DelegateTask } | { ok: false; reason: string } {
  const parsed = delegateTaskSchema.safeParse(value);
  if (parsed.success) return { ok: true, task: parsed.data };
  return {
    ok: false,
    reason: parsed.error.issues.map((i) => `${i.path.join('.') || 'task'}: ${i.message}`).join('; '),
  };
}
