import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { ListStateMachinesCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StackNotFoundError } from '../../../../framework/runtime/aws/errors.js';
import { findStack, stackName } from '../../../../framework/runtime/aws/findStack.js';
import { stackHandler } from '../../../../framework/runtime/offline/stackApi.js';
import { type Api, CREDENTIALS, machineArn, startApi } from '../../engine/http/support.js';

const outputs = {
  StateMachineArn: { value: machineArn('job'), description: 'The state machine that runs every job' },
  DataBucket: 'stepmr-dev-data-1a2b',
  Odd: 'a <value> & "quotes"',
};
let api: Api;
let cfn: CloudFormationClient;

beforeAll(async () => {
  api = await startApi(
    {},
    {
      fallback: stackHandler({
        stacks: [
          { name: 'stepmr-dev', outputs },
          { name: 'other', outputs: {} },
        ],
      }),
    },
  );
  cfn = new CloudFormationClient({
    endpoint: api.server.endpoint,
    region: 'us-east-1',
    credentials: CREDENTIALS,
  });
});
afterAll(async () => {
  cfn.destroy();
  await api.close();
});

describe('offline CloudFormation: DescribeStacks', () => {
  it('describes a stack and its outputs as the real client parses them', async () => {
    const { Stacks = [] } = await cfn.send(new DescribeStacksCommand({ StackName: 'stepmr-dev' }));
    expect(Stacks).toHaveLength(1);
    const [stack] = Stacks;
    expect(stack).toMatchObject({ StackName: 'stepmr-dev', StackStatus: 'CREATE_COMPLETE' });
    expect(stack?.StackId).toMatch(/^arn:aws:cloudformation:us-east-1:123456789012:stack\/stepmr-dev\//);
    expect(stack?.CreationTime).toBeInstanceOf(Date);
    const expected = Object.entries(outputs).map(([key, o]) =>
      typeof o === 'string'
        ? { OutputKey: key, OutputValue: o }
        : { OutputKey: key, OutputValue: o.value, Description: o.description },
    );
    expect(stack?.Outputs).toEqual(expected);
    // A stack can also be named by its id.
    const byId = await cfn.send(new DescribeStacksCommand({ StackName: stack?.StackId }));
    expect(byId.Stacks?.[0]?.StackName).toBe('stepmr-dev');
  });

  it('lists every stack without a StackName', async () => {
    const { Stacks = [] } = await cfn.send(new DescribeStacksCommand({}));
    expect(Stacks.map((s) => s.StackName)).toEqual(['stepmr-dev', 'other']);
  });

  it('answers an unknown stack as CloudFormation does', async () => {
    const error = await cfn.send(new DescribeStacksCommand({ StackName: 'nope' })).catch((e) => e);
    expect(error.name).toBe('ValidationError');
    expect(error.message).toBe('Stack with id nope does not exist');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('answers an action it does not serve with InvalidAction', async () => {
    const error = await cfn.send(new ListStacksCommand({})).catch((e) => e);
    expect(error.name).toBe('InvalidAction');
  });

  it('shares its port with the Step Functions API', async () => {
    const { stateMachines = [] } = await api.sfn.send(new ListStateMachinesCommand({}));
    expect(stateMachines.map((m) => m.name)).toContain('job');
  });
});

describe('findStack', () => {
  it('finds the state machine and bucket of a stepmr stack', async () => {
    expect(await findStack(cfn, 'stepmr-dev')).toEqual({
      stateMachineArn: outputs.StateMachineArn.value,
      bucket: outputs.DataBucket,
    });
  });

  it('tells to deploy or pass --stack when the stack does not exist', async () => {
    const error = await findStack(cfn, 'stepmr-prod').catch((e) => e);
    expect(error).toBeInstanceOf(StackNotFoundError);
    expect(error.message).toContain('stack stepmr-prod does not exist in us-east-1');
    expect(error.message).toContain('serverless deploy');
    expect(error.message).toContain('--stack');
  });

  it('refuses a stack without stepmr’s outputs', async () => {
    await expect(findStack(cfn, 'other')).rejects.toThrow(/no StateMachineArn output/);
  });

  it('takes the stack name from --stack, else STEPMR_STACK, else stepmr-dev', () => {
    expect(stackName('a', { STEPMR_STACK: 'b' })).toBe('a');
    expect(stackName(undefined, { STEPMR_STACK: 'b' })).toBe('b');
    expect(stackName(undefined, {})).toBe('stepmr-dev');
  });
});
