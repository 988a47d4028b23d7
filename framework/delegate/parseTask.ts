import { delegateTaskSchema } from '../contract/delegate.js';
import type { DelegateTask } from './types.js';

// The schema and the hand-written types must agree: a task the schema accepts is a DelegateTask.
type Accepted = ReturnType<typeof delegateTaskSchema.parse>;
const _agrees = (t: Accepted): DelegateTask => t;
void _agrees;

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
