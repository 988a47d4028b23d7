import { InvalidExecutionInputError, InvalidNameError } from './errors.js';
import type { EngineLimits } from './limits.js';

// StartExecution `name`: no whitespace, brackets, wildcards, special or control characters.
const FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;
const isControl = (name: string) =>
  [...name].some((c) => c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f));

/**
 * Checks an execution name as `StartExecution` does.
 *
 * @example
 * ```ts
 * checkExecutionName('run-1', DEFAULT_LIMITS); // ok
 * checkExecutionName('a/b', DEFAULT_LIMITS); // throws InvalidNameError
 * ```
 */
export function checkExecutionName(name: string, limits: EngineLimits): void {
  if (
    typeof name !== 'string' ||
    name.length === 0 ||
    name.length > limits.executionNameChars ||
    FORBIDDEN.test(name) ||
    isControl(name)
  ) {
    throw new InvalidNameError(
      `Invalid execution name "${name}": use 1 to ${limits.executionNameChars} characters without whitespace, brackets, wildcards or " # % \\ ^ | ~ \` $ & , ; : /.`,
    );
  }
}

/**
 * Checks and copies an execution input: it must be JSON (a value, not text to parse) and at
 * most the payload limit in UTF-8 bytes. The copy keeps the execution safe from later changes
 * to the caller's object.
 *
 * @example
 * ```ts
 * const input = checkExecutionInput({ a: 1 }, DEFAULT_LIMITS);
 * ```
 */
export function checkExecutionInput(input: unknown, limits: EngineLimits): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(input === undefined ? {} : input);
  } catch (cause) {
    throw new InvalidExecutionInputError(`The execution input is not JSON: ${(cause as Error).message}.`, {
      cause,
    });
  }
  if (text === undefined)
    throw new InvalidExecutionInputError('The execution input is not JSON (a function or a symbol?).');
  const bytes = Buffer.byteLength(text);
  if (bytes > limits.payloadBytes) {
    throw new InvalidExecutionInputError(
      `The execution input is ${bytes} bytes, over the ${limits.payloadBytes}-byte limit of Step Functions. Pass references (keys) instead of data.`,
    );
  }
  return JSON.parse(text);
}
