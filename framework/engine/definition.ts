import type { StateDefinition, StateMachineDefinition } from './asl.js';
import { DefinitionError } from './errors.js';
import { checkFields, checkQueryLanguage } from './fields.js';
import { validateState } from './validate.js';

/**
 * A checked state machine (or Map processor, or Parallel branch), ready to run.
 *
 * @example
 * ```ts
 * const machine: Machine = loadDefinition(definition);
 * ```
 */
export interface Machine {
  readonly definition: StateMachineDefinition;
  readonly startAt: string;
  readonly states: ReadonlyMap<string, StateDefinition>;
  /** The machine's `TimeoutSeconds`, if any. */
  readonly timeoutSeconds: number | undefined;
}

const TOP_FIELDS = ['StartAt', 'States', 'Comment', 'Version', 'TimeoutSeconds', 'QueryLanguage'];
/** A Parallel branch (a Map's processor is checked, less its ProcessorConfig, by checkMap). */
const NESTED_FIELDS = ['StartAt', 'States', 'Comment'];

const machines = new WeakMap<object, Machine>();
const parsed = new Map<string, Machine>();

/**
 * Checks a state machine definition: `StartAt`, every `Next`, `Default` and Catch target,
 * field shapes, paths, payload templates and intrinsic calls, recursively into Map processors
 * and Parallel branches. A field the language does not define, a JSONata-only field, or one
 * the engine does not run (`Assign`, `Credentials`, `QueryLanguage: JSONata`) is refused, not
 * ignored. Throws a {@link DefinitionError} naming the state and the field.
 *
 * @example
 * ```ts
 * validateMachine({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' } } }, '');
 * // throws: state "A": has Next "B", which is not a state in this scope
 * ```
 */
export function validateMachine(definition: unknown, where: string): void {
  const fail = (what: string): never => {
    throw new DefinitionError(`Invalid state machine definition${where}: ${what}.`);
  };
  if (definition === null || typeof definition !== 'object' || Array.isArray(definition)) {
    fail('the definition must be a JSON object');
  }
  const def = definition as Record<string, unknown>;
  const top = where === '';
  checkFields(def, top ? TOP_FIELDS : NESTED_FIELDS, top ? 'a state machine' : 'a Parallel branch', fail);
  checkQueryLanguage(def.QueryLanguage, fail);
  const timeout = def.TimeoutSeconds;
  if (timeout !== undefined && !(Number.isInteger(timeout) && (timeout as number) > 0)) {
    fail(`"TimeoutSeconds" must be a positive integer, not ${JSON.stringify(timeout)}`);
  }
  if (def.Version !== undefined && typeof def.Version !== 'string')
    fail('"Version" must be a string such as "1.0"');
  const states = def.States;
  if (
    states === null ||
    typeof states !== 'object' ||
    Array.isArray(states) ||
    Object.keys(states).length === 0
  ) {
    fail('"States" must be an object with at least one state');
  }
  if (typeof def.StartAt !== 'string') fail('"StartAt" is missing; name the first state to run');
  const names = new Set(Object.keys(states as object));
  if (!names.has(def.StartAt as string))
    fail(`"StartAt" is "${String(def.StartAt)}", which is not a state in "States"`);
  for (const [name, state] of Object.entries(states as Record<string, Record<string, unknown>>)) {
    validateState(name, state, names, where, validateMachine);
  }
  const unreachable = unreachableStates(
    def.StartAt as string,
    states as Record<string, Record<string, unknown>>,
  );
  if (unreachable.length > 0)
    fail(`state "${unreachable[0]}" is not reachable from "StartAt"; remove it or add a transition to it`);
}

/** States that no chain of Next / Default / Choices / Catch leads to from StartAt. */
function unreachableStates(startAt: string, states: Record<string, Record<string, unknown>>): string[] {
  const seen = new Set<string>();
  const queue = [startAt];
  while (queue.length > 0) {
    const name = queue.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    const state = states[name] ?? {};
    const targets = [
      state.Next,
      state.Default,
      ...((state.Choices as { Next?: unknown }[]) ?? []).map((c) => c.Next),
    ];
    targets.push(...((state.Catch as { Next?: unknown }[]) ?? []).map((c) => c.Next));
    for (const t of targets) if (typeof t === 'string') queue.push(t);
  }
  return Object.keys(states).filter((n) => !seen.has(n));
}

/**
 * The runnable form of an already-checked definition (cached by object identity).
 *
 * @example
 * ```ts
 * const processor = machineOf(state.ItemProcessor);
 * ```
 */
export function machineOf(definition: StateMachineDefinition): Machine {
  const hit = machines.get(definition);
  if (hit) return hit;
  const machine: Machine = {
    definition,
    startAt: definition.StartAt,
    states: new Map(Object.entries(definition.States)),
    timeoutSeconds: definition.TimeoutSeconds,
  };
  machines.set(definition, machine);
  return machine;
}

/**
 * Parses (when given JSON text), checks and caches a definition.
 *
 * @example
 * ```ts
 * const machine = loadDefinition('{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}');
 * ```
 */
export function loadDefinition(definition: unknown): Machine {
  if (typeof definition === 'string') {
    const hit = parsed.get(definition);
    if (hit) return hit;
    let value: unknown;
    try {
      value = JSON.parse(definition);
    } catch (cause) {
      throw new DefinitionError(`Invalid state machine definition: not JSON (${(cause as Error).message}).`, {
        cause,
      });
    }
    validateMachine(value, '');
    const machine = machineOf(value as StateMachineDefinition);
    if (parsed.size > 100) parsed.clear();
    parsed.set(definition, machine);
    return machine;
  }
  if (definition !== null && typeof definition === 'object' && machines.has(definition)) {
    return machines.get(definition) as Machine;
  }
  validateMachine(definition, '');
  return machineOf(definition as StateMachineDefinition);
}

/**
 * Checks a definition (an object or its JSON text) as `startExecution` does, without running
 * it. Throws a {@link DefinitionError} naming the state and the field.
 *
 * @example
 * ```ts
 * validateDefinition(buildDefinition(options)); // throws if the engine could not run it
 * ```
 */
export function validateDefinition(definition: unknown): void {
  loadDefinition(definition);
}
