import { setTimeout as delay } from 'node:timers/promises';
import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListMapRunsCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { Orchestrator } from '../orchestrator.js';

/**
 * The Step Functions adapter of the orchestrator port: each operation is the SDK command of
 * that name, so the offline cloud and AWS are one endpoint variable apart. Polls pause on a
 * timer.
 *
 * @example
 * ```ts
 * const report = await getExecutionStatus(sfnOrchestrator(sfnClient()), executionArn);
 * ```
 */
export function sfnOrchestrator(client: SFNClient): Orchestrator {
  return {
    where: () => client.config.region().catch(() => 'this region'),
    startExecution: (input) => client.send(new StartExecutionCommand(input)),
    describeExecution: (input) => client.send(new DescribeExecutionCommand(input)),
    listExecutions: (input) => client.send(new ListExecutionsCommand(input)),
    stopExecution: (input) => client.send(new StopExecutionCommand(input)),
    listMapRuns: (input) => client.send(new ListMapRunsCommand(input)),
    describeMapRun: (input) => client.send(new DescribeMapRunCommand(input)),
    getExecutionHistory: (input) => client.send(new GetExecutionHistoryCommand(input)),
    pause: (ms, _executionArn, signal) => delay(ms, undefined, signal ? { signal } : {}),
  };
}
