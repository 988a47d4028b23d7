import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { ListStateMachinesCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StackNotFoundError } from '../../../../framework/runtime/aws/errors.js';
import { findStack, stackName } from '../../../../framework/runtime/aws/findStack.js';
import { stackHandler } from '../../../../framework/runtime/offline/stackApi.js';
import { type Api, CREDENTIALS, machineArn, startApi } from '../../engine/http/support.js';
import { outputProblems, serviceModel } from '../../support/botocoreModel.js';

const outputs = {
  StateMachineArn: { value: machineArn('job'), description: 'The state machine that runs every job' },
  DataBucket: 'stepmr-dev-data-1a2b',
  Odd: 'a <value> & "quotes"',
};
const resources = [
  { logicalId: 'DataBucket', type: 'AWS::S3::Bucket', physicalId: outputs.DataBucket },
  { logicalId: 'JobsStateMachine', type: 'AWS::StepFunctions::StateMachine', physicalId: machineArn('job') },
  { logicalId: 'MapLambdaFunction', type: 'AWS::Lambda::Function', physicalId: 'stepmr-dev-map' },
];
const model = serviceModel('cloudformation', '2010-05-15');
let api: Api;
let cfn: CloudFormationClient;

beforeAll(async () => {
  api = await startApi(
    {},
    {
      fallback: stackHandler({
        stacks: [
          { name: 'stepmr-dev', outputs, resources },
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
    const error = await cfn.send(new GetTemplateCommand({ StackName: 'stepmr-dev' })).catch((e) => e);
    expect(error.name).toBe('InvalidAction');
  });

  it('sends the RequestId of an error body as its x-amzn-RequestId header', async () => {
    const raw = await fetch(api.server.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=DescribeStacks&Version=2010-05-15&StackName=nope',
    });
    const body = await raw.text();
    expect(raw.status).toBe(400);
    const id = /<RequestId>([^<]+)<\/RequestId>/.exec(body)?.[1];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(raw.headers.get('x-amzn-requestid')).toBe(id);
    const error = await cfn.send(new DescribeStacksCommand({ StackName: 'nope' })).catch((e) => e);
    expect(error.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('offline CloudFormation: ListStacks and DescribeStackResources', () => {
  it('lists every stack as CREATE_COMPLETE, and none for another status filter', async () => {
    const listed = await cfn.send(new ListStacksCommand({}));
    expect(outputProblems(model, 'ListStacks', listed, false)).toEqual([]);
    expect(listed.StackSummaries?.map((s) => [s.StackName, s.StackStatus])).toEqual([
      ['stepmr-dev', 'CREATE_COMPLETE'],
      ['other', 'CREATE_COMPLETE'],
    ]);
    const { Stacks = [] } = await cfn.send(new DescribeStacksCommand({}));
    expect(listed.StackSummaries?.map((s) => s.StackId)).toEqual(Stacks.map((s) => s.StackId));
    const complete = await cfn.send(new ListStacksCommand({ StackStatusFilter: ['CREATE_COMPLETE'] }));
    expect(complete.StackSummaries).toHaveLength(2);
    const deleted = await cfn.send(new ListStacksCommand({ StackStatusFilter: ['DELETE_COMPLETE'] }));
    expect(deleted.StackSummaries ?? []).toEqual([]);
  });

  it('describes a stack’s resources, by stack, logical id or physical id', async () => {
    const all = await cfn.send(new DescribeStackResourcesCommand({ StackName: 'stepmr-dev' }));
    expect(outputProblems(model, 'DescribeStackResources', all, false)).toEqual([]);
    expect(
      all.StackResources?.map((r) => ({
        logicalId: r.LogicalResourceId,
        type: r.ResourceType,
        physicalId: r.PhysicalResourceId,
      })),
    ).toEqual(resources);
    expect(
      all.StackResources?.every(
        (r) => r.StackName === 'stepmr-dev' && r.ResourceStatus === 'CREATE_COMPLETE',
      ),
    ).toBe(true);
    const one = await cfn.send(
      new DescribeStackResourcesCommand({ StackName: 'stepmr-dev', LogicalResourceId: 'DataBucket' }),
    );
    expect(one.StackResources?.map((r) => r.PhysicalResourceId)).toEqual([outputs.DataBucket]);
    const byPhysical = await cfn.send(
      new DescribeStackResourcesCommand({ PhysicalResourceId: 'stepmr-dev-map' }),
    );
    expect(byPhysical.StackResources?.map((r) => [r.StackName, r.LogicalResourceId])).toEqual([
      ['stepmr-dev', 'MapLambdaFunction'],
    ]);
    expect(
      (await cfn.send(new DescribeStackResourcesCommand({ StackName: 'other' }))).StackResources ?? [],
    ).toEqual([]);
  });

  it('answers an unknown stack or resource, or neither given, with ValidationError', async () => {
    for (const input of [{ StackName: 'nope' }, { PhysicalResourceId: 'nope' }, {}]) {
      const error = await cfn.send(new DescribeStackResourcesCommand(input)).catch((e) => e);
      expect([error.name, error.$metadata.httpStatusCode]).toEqual(['ValidationError', 400]);
    }
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
