import { stateMachineName } from '../arn.js';
import type { StateDefinition, StateMachineDefinition } from '../asl.js';
import { loadDefinition } from '../definition.js';
import { ApiError } from './errors.js';

/**
 * A state machine the Step Functions API serves: its name and ARN, its definition (an object
 * or its JSON text) and, for DescribeStateMachine, the role it would run as.
 *
 * @example
 * ```ts
 * const machine: RegisteredStateMachine = {
 *   name: 'stepmr-dev',
 *   arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:stepmr-dev',
 *   definition: buildDefinition({ functions }),
 * };
 * ```
 */
export interface RegisteredStateMachine {
  readonly name: string;
  readonly arn: string;
  readonly definition: object | string;
  /** @default `arn:aws:iam::<account>:role/<name>-role` */
  readonly roleArn?: string;
}

/** One registered state machine, checked and ready. */
export interface StateMachineEntry {
  readonly name: string;
  readonly arn: string;
  readonly definition: StateMachineDefinition;
  /** The definition as JSON text, as DescribeStateMachine returns it. */
  readonly text: string;
  readonly roleArn: string;
  readonly creationDate: Date;
  /** Every state by name, nested ones (Map processors, Parallel branches) included. */
  readonly states: ReadonlyMap<string, StateDefinition>;
}

function collectStates(definition: StateMachineDefinition, into: Map<string, StateDefinition>): void {
  for (const [name, state] of Object.entries(definition.States)) {
    if (!into.has(name)) into.set(name, state);
    if (state.Type === 'Map') {
      const processor = state.ItemProcessor ?? state.Iterator;
      if (processor) collectStates(processor, into);
    }
    if (state.Type === 'Parallel') for (const branch of state.Branches) collectStates(branch, into);
  }
}

function entry(machine: RegisteredStateMachine, creationDate: Date): StateMachineEntry {
  if (stateMachineName(machine.arn) !== machine.name || !machine.arn.startsWith('arn:')) {
    throw new RangeError(
      `state machine "${machine.name}": its ARN ${machine.arn} must end in :stateMachine:${machine.name}`,
    );
  }
  const { definition } = loadDefinition(machine.definition);
  const account = machine.arn.split(':')[4] ?? '123456789012';
  const states = new Map<string, StateDefinition>();
  collectStates(definition, states);
  return {
    name: machine.name,
    arn: machine.arn,
    definition,
    text: typeof machine.definition === 'string' ? machine.definition : JSON.stringify(machine.definition),
    roleArn: machine.roleArn ?? `arn:aws:iam::${account}:role/${machine.name}-role`,
    creationDate,
    states,
  };
}

/**
 * The state machines of one Step Functions API, by ARN. Definitions are checked up front, so a
 * bad one fails at start-up rather than at the first StartExecution.
 *
 * @example
 * ```ts
 * const machines = new StateMachines([{ name, arn, definition }], new Date());
 * const machine = machines.get(arn); // throws StateMachineDoesNotExist for an unknown ARN
 * ```
 */
export class StateMachines {
  readonly #byArn = new Map<string, StateMachineEntry>();

  constructor(machines: readonly RegisteredStateMachine[], creationDate: Date) {
    for (const machine of machines) {
      if (this.#byArn.has(machine.arn))
        throw new RangeError(`state machine ${machine.arn} is registered twice`);
      this.#byArn.set(machine.arn, entry(machine, creationDate));
    }
  }

  /** All state machines, in the order given. */
  all(): StateMachineEntry[] {
    return [...this.#byArn.values()];
  }

  /** The state machine of an ARN, or `StateMachineDoesNotExist`. */
  get(arn: string): StateMachineEntry {
    const machine = this.#byArn.get(arn);
    if (!machine) throw new ApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  /** The state machine of an ARN, if registered. */
  find(arn: string): StateMachineEntry | undefined {
    return this.#byArn.get(arn);
  }
}
