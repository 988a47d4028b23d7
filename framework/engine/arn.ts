/**
 * ARNs shaped like AWS's:
 * - state machine `arn:aws:states:<region>:<account>:stateMachine:<name>`
 * - execution `arn:aws:states:<region>:<account>:execution:<state machine>:<execution>`
 * - Map Run `arn:aws:states:<region>:<account>:mapRun:<state machine>/<label>:<map run id>`
 * - a Map Run's child state machine `…:stateMachine:<state machine>/<label>` and its executions
 *   `…:execution:<state machine>/<label>:<child name>`.
 */

/**
 * The ARN of a state machine.
 *
 * @example
 * ```ts
 * stateMachineArn('us-east-1', '123456789012', 'wordcount');
 * // 'arn:aws:states:us-east-1:123456789012:stateMachine:wordcount'
 * ```
 */
export function stateMachineArn(region: string, account: string, name: string): string {
  return `arn:aws:states:${region}:${account}:stateMachine:${name}`;
}

/**
 * The name part of a state machine ARN (everything after `:stateMachine:`).
 *
 * @example
 * ```ts
 * stateMachineName('arn:aws:states:us-east-1:123456789012:stateMachine:wordcount'); // 'wordcount'
 * ```
 */
export function stateMachineName(arn: string): string {
  const at = arn.indexOf(':stateMachine:');
  return at < 0 ? arn : arn.slice(at + ':stateMachine:'.length);
}

/**
 * The ARN of an execution of a state machine.
 *
 * @example
 * ```ts
 * executionArn('arn:aws:states:us-east-1:123456789012:stateMachine:sm', 'run1');
 * // 'arn:aws:states:us-east-1:123456789012:execution:sm:run1'
 * ```
 */
export function executionArn(machineArn: string, name: string): string {
  return `${machineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/**
 * The ARN of a Map Run, and of the state machine its child executions run.
 *
 * @example
 * ```ts
 * mapRunArns('arn:aws:states:us-east-1:123456789012:stateMachine:sm', 'Map', 'id1').mapRunArn;
 * // 'arn:aws:states:us-east-1:123456789012:mapRun:sm/Map:id1'
 * ```
 */
export function mapRunArns(
  machineArn: string,
  label: string,
  id: string,
): { mapRunArn: string; childMachineArn: string } {
  const childMachineArn = `${machineArn}/${label}`;
  return { mapRunArn: `${childMachineArn.replace(':stateMachine:', ':mapRun:')}:${id}`, childMachineArn };
}
