import type { StoredExecution } from '../../contract/storedExecution.js';
import type { Engine } from '../Engine.js';
import { ExecutionDoesNotExistError } from '../errors.js';
import type { ExecutionHistory } from './history.js';

/** Child executions of a finished Map Run kept with it: the first ones that did not succeed. */
const KEPT_CHILDREN = 100;

/**
 * A top-level execution as the engine and the recorded history have it now, in the form it is
 * stored: DescribeExecution, each Map Run's ListMapRuns item and DescribeMapRun (and, once the
 * run has ended, the first 100 child executions that did not succeed), and the history events.
 * Undefined when the engine no longer knows the execution.
 *
 * @example
 * ```ts
 * const record = snapshotExecution(engine, history, executionArn, new Date());
 * await writeFile(file, JSON.stringify(record));
 * ```
 */
export function snapshotExecution(
  engine: Engine,
  history: ExecutionHistory,
  executionArn: string,
  now: Date,
): StoredExecution | undefined {
  let execution: ReturnType<Engine['describeExecution']>;
  try {
    execution = engine.describeExecution(executionArn);
  } catch (error) {
    if (error instanceof ExecutionDoesNotExistError) return undefined;
    throw error;
  }
  const mapRuns = engine.listMapRuns(executionArn).mapRuns.map((item) => {
    const description = engine.describeMapRun(item.mapRunArn);
    const unsuccessfulChildren =
      description.status === 'RUNNING'
        ? []
        : engine
            .listExecutions({ mapRunArn: item.mapRunArn })
            .executions.filter((child) => child.status !== 'SUCCEEDED')
            .slice(0, KEPT_CHILDREN)
            .map((child) => engine.describeExecution(child.executionArn));
    return { item, description, unsuccessfulChildren };
  });
  return {
    version: 1,
    updatedAt: now,
    execution,
    mapRuns,
    history: [...(history.events(executionArn, true) ?? [])],
  };
}
