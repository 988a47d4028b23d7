import type { TaskState } from '../asl.js';
import { StatesError } from '../errors.js';
import { withRetryAndCatch } from '../handlers.js';
import { assertPayloadSize } from '../limits.js';
import { requirePath } from '../paths.js';
import { evalEnv, type Scope } from '../runtime.js';
import { effectiveInput, finishState, type StateOutcome } from '../stateIo.js';
import { withTimeout } from '../timeout.js';
import { runResource } from './lambda.js';

function seconds(
  value: number | undefined,
  path: string | undefined,
  input: unknown,
  context: unknown,
): number | undefined {
  if (path === undefined) return value;
  const found = requirePath(path, input, context, 'TimeoutSecondsPath');
  if (typeof found !== 'number' || !(found > 0)) {
    throw new StatesError('States.Runtime', `The value at '${path}' must be a positive number of seconds.`);
  }
  return found;
}

/**
 * A Task state: effective input (InputPath, Parameters) → the resource (a Lambda function) →
 * ResultSelector → ResultPath → OutputPath, with Retry and Catch. `TimeoutSeconds` and
 * `HeartbeatSeconds` (whichever is shorter; a Lambda call sends no heartbeats) fail the
 * attempt with `States.Timeout` and abort the invocation. Inputs and results larger than the
 * payload limit fail with `States.DataLimitExceeded`.
 *
 * @example
 * ```ts
 * const { output, next } = await runTaskState('Invoke', state, input, scope);
 * ```
 */
export function runTaskState(
  name: string,
  state: TaskState,
  input: unknown,
  scope: Scope,
): Promise<StateOutcome> {
  const limit = scope.rt.limits.payloadBytes;
  return withRetryAndCatch(name, state, input, scope, async (context) => {
    const env = evalEnv(scope, context);
    const params = effectiveInput(state, input, env);
    assertPayloadSize(params, limit, name);
    const timeout = seconds(state.TimeoutSeconds, state.TimeoutSecondsPath, input, context);
    const heartbeat = seconds(state.HeartbeatSeconds, state.HeartbeatSecondsPath, input, context);
    const limitSeconds =
      timeout === undefined ? heartbeat : heartbeat === undefined ? timeout : Math.min(timeout, heartbeat);
    const { events, deps } = scope.rt;
    const at = () => ({
      timestamp: deps.now(),
      executionArn: scope.executionArn,
      name,
      resource: state.Resource,
    });
    if (events.active) {
      events.emit({
        ...at(),
        type: 'TaskScheduled',
        parameters: params,
        timeoutSeconds: timeout,
        heartbeatSeconds: heartbeat,
      });
      events.emit({ ...at(), type: 'TaskStarted' });
    }
    const result = await withTimeout(
      scope.rt,
      limitSeconds,
      scope.signal,
      (signal) => runResource(scope, state.Resource, params, signal),
      () =>
        new StatesError(
          'States.Timeout',
          `The task '${name}' did not finish within ${limitSeconds} seconds.`,
        ),
    );
    assertPayloadSize(result, limit, name);
    if (events.active) events.emit({ ...at(), type: 'TaskSucceeded', output: result });
    return finishState(state, input, result, env);
  });
}
