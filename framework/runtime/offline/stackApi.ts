import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../../engine/http/awsJson.js';
import type { RequestHandler } from '../../engine/http/stepFunctionsApi.js';
import { StepmrError } from '../../errors.js';

/** A stack output: its value, or its value and description. */
export type StackOutput = string | { readonly value: string; readonly description?: string };

/** A resource of a stack, as DescribeStackResources lists it. */
export interface OfflineStackResource {
  readonly logicalId: string;
  /** `AWS::S3::Bucket`, `AWS::Lambda::Function`, … */
  readonly type: string;
  /** The bucket's name, the function's name, the state machine's ARN. */
  readonly physicalId: string;
}

/** A stack the offline CloudFormation endpoint describes. */
export interface OfflineStack {
  readonly name: string;
  readonly outputs: Readonly<Record<string, StackOutput>>;
  /** What DescribeStackResources lists. @default none */
  readonly resources?: readonly OfflineStackResource[];
  /** @default `arn:aws:cloudformation:us-east-1:123456789012:stack/<name>/<uuid>` */
  readonly stackId?: string;
  /** @default when the handler was made */
  readonly creationTime?: Date;
}

type Stack = Required<OfflineStack>;

const XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

const escapeXml = (text: string) =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );

const tag = (name: string, text: string) => `<${name}>${escapeXml(text)}</${name}>`;
const STATUS = 'CREATE_COMPLETE';

function outputXml(key: string, output: StackOutput): string {
  const value = typeof output === 'string' ? output : output.value;
  const description = typeof output === 'string' ? undefined : output.description;
  return `<member>${tag('OutputKey', key)}${tag('OutputValue', value)}${description === undefined ? '' : tag('Description', description)}</member>`;
}

function stackXml(stack: Stack): string {
  const outputs = Object.entries(stack.outputs)
    .map(([key, output]) => outputXml(key, output))
    .join('');
  return `<member>${tag('StackName', stack.name)}${tag('StackId', stack.stackId)}${tag('CreationTime', stack.creationTime.toISOString())}${tag('StackStatus', STATUS)}<Outputs>${outputs}</Outputs></member>`;
}

function summaryXml(stack: Stack): string {
  return `<member>${tag('StackId', stack.stackId)}${tag('StackName', stack.name)}${tag('CreationTime', stack.creationTime.toISOString())}${tag('StackStatus', STATUS)}</member>`;
}

function resourceXml(stack: Stack, resource: OfflineStackResource): string {
  return `<member>${tag('StackName', stack.name)}${tag('StackId', stack.stackId)}${tag('LogicalResourceId', resource.logicalId)}${tag('PhysicalResourceId', resource.physicalId)}${tag('ResourceType', resource.type)}${tag('Timestamp', stack.creationTime.toISOString())}${tag('ResourceStatus', STATUS)}</member>`;
}

/** Sends a Query protocol answer; its `x-amzn-RequestId` is the RequestId in the body. */
function send(res: ServerResponse, status: number, xml: (requestId: string) => string): void {
  const requestId = randomUUID();
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n${xml(requestId)}\n`;
  res.writeHead(status, {
    'Content-Type': 'text/xml',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': requestId,
  });
  res.end(body);
}

function sendResult(res: ServerResponse, action: string, result: string): void {
  send(
    res,
    200,
    (id) =>
      `<${action}Response xmlns="${XMLNS}"><${action}Result>${result}</${action}Result><ResponseMetadata>${tag('RequestId', id)}</ResponseMetadata></${action}Response>`,
  );
}

/** A CloudFormation error (HTTP 400) the client raises as its exception named `code`. */
class QueryError extends StepmrError {
  override readonly name = 'QueryError';

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function sendError(res: ServerResponse, error: QueryError): void {
  const body = `<Error><Type>Sender</Type>${tag('Code', error.code)}${tag('Message', error.message)}</Error>`;
  send(res, 400, (id) => `<ErrorResponse xmlns="${XMLNS}">${body}${tag('RequestId', id)}</ErrorResponse>`);
}

/** Whether a request is an AWS Query protocol call: a form body and no JSON target. */
function isQueryRequest(req: IncomingMessage): boolean {
  const type = req.headers['content-type'] ?? '';
  return (
    req.method === 'POST' &&
    req.headers['x-amz-target'] === undefined &&
    type.startsWith('application/x-www-form-urlencoded')
  );
}

/** The values of a Query list parameter (`Name.member.1`, `Name.member.2`, …). */
function listParam(form: URLSearchParams, name: string): string[] {
  const values: string[] = [];
  for (let i = 1; form.has(`${name}.member.${i}`); i++) values.push(form.get(`${name}.member.${i}`) ?? '');
  return values;
}

type Action = (stacks: readonly Stack[], form: URLSearchParams) => string;

const named = (stacks: readonly Stack[], wanted: string) =>
  stacks.filter((s) => s.name === wanted || s.stackId === wanted);

const ACTIONS: Readonly<Record<string, Action>> = {
  DescribeStacks(stacks, form) {
    const wanted = form.get('StackName');
    const found = wanted ? named(stacks, wanted) : stacks;
    if (wanted && found.length === 0) {
      throw new QueryError('ValidationError', `Stack with id ${wanted} does not exist`);
    }
    return `<Stacks>${found.map(stackXml).join('')}</Stacks>`;
  },
  ListStacks(stacks, form) {
    const statuses = listParam(form, 'StackStatusFilter');
    const shown = statuses.length === 0 || statuses.includes(STATUS) ? stacks : [];
    return `<StackSummaries>${shown.map(summaryXml).join('')}</StackSummaries>`;
  },
  DescribeStackResources(stacks, form) {
    const wanted = form.get('StackName');
    const physical = form.get('PhysicalResourceId');
    const logical = form.get('LogicalResourceId');
    let found: readonly Stack[];
    if (wanted) {
      found = named(stacks, wanted);
      if (found.length === 0)
        throw new QueryError('ValidationError', `Stack with id ${wanted} does not exist`);
    } else if (physical) {
      found = stacks.filter((s) => s.resources.some((r) => r.physicalId === physical));
      if (found.length === 0) throw new QueryError('ValidationError', `Stack for ${physical} does not exist`);
    } else {
      throw new QueryError('ValidationError', 'Either StackName or PhysicalResourceId must be specified.');
    }
    const members = found.flatMap((stack) =>
      stack.resources
        .filter(
          (r) => (!logical || r.logicalId === logical) && (wanted || !physical || r.physicalId === physical),
        )
        .map((r) => resourceXml(stack, r)),
    );
    return `<StackResources>${members.join('')}</StackResources>`;
  },
};

/**
 * A minimal CloudFormation endpoint for the offline cloud over the AWS Query protocol (a
 * form-encoded POST, an XML answer): `DescribeStacks`, `ListStacks` and
 * `DescribeStackResources`, so that the real `CloudFormationClient` and the AWS CLI find the
 * offline stack's outputs and resources as they find a deployed one's. Every stack and resource
 * is `CREATE_COMPLETE`; an unknown stack is CloudFormation's own `ValidationError` ("Stack with
 * id X does not exist"); other actions are `InvalidAction`. Every answer's `x-amzn-RequestId`
 * is the RequestId in its body. Resolves false for a request that is not a Query protocol
 * call, so one server can also serve Step Functions on the same port.
 *
 * @example
 * ```ts
 * const stacks = stackHandler({ stacks: [{ name: 'stepmr-dev', outputs: { StateMachineArn: arn, DataBucket: 'data' } }] });
 * const server = await startStepFunctionsServer({ engine, stateMachines, fallback: stacks });
 * ```
 */
export function stackHandler(options: { readonly stacks: readonly OfflineStack[] }): RequestHandler {
  const created = new Date();
  const stacks: Stack[] = options.stacks.map((s) => ({
    name: s.name,
    outputs: s.outputs,
    resources: s.resources ?? [],
    stackId: s.stackId ?? `arn:aws:cloudformation:us-east-1:123456789012:stack/${s.name}/${randomUUID()}`,
    creationTime: s.creationTime ?? created,
  }));
  return async (req, res) => {
    if (!isQueryRequest(req)) return false;
    const form = new URLSearchParams((await readBody(req)).toString('utf8'));
    const action = form.get('Action') ?? '';
    try {
      const run = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
      if (!run) {
        throw new QueryError(
          'InvalidAction',
          `Could not find operation ${action} for version ${form.get('Version') ?? ''}`,
        );
      }
      sendResult(res, action, run(stacks, form));
    } catch (error) {
      if (!(error instanceof QueryError)) throw error;
      sendError(res, error);
    }
    return true;
  };
}
