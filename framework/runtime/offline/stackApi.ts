import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../../engine/http/awsJson.js';
import type { RequestHandler } from '../../engine/http/stepFunctionsApi.js';

/** A stack output: its value, or its value and description. */
export type StackOutput = string | { readonly value: string; readonly description?: string };

/** A stack the offline CloudFormation endpoint describes. */
export interface OfflineStack {
  readonly name: string;
  readonly outputs: Readonly<Record<string, StackOutput>>;
  /** @default `arn:aws:cloudformation:us-east-1:123456789012:stack/<name>/<uuid>` */
  readonly stackId?: string;
  /** @default when the handler was made */
  readonly creationTime?: Date;
}

const XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

const escapeXml = (text: string) =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );

const tag = (name: string, text: string) => `<${name}>${escapeXml(text)}</${name}>`;

function outputXml(key: string, output: StackOutput): string {
  const value = typeof output === 'string' ? output : output.value;
  const description = typeof output === 'string' ? undefined : output.description;
  return `<member>${tag('OutputKey', key)}${tag('OutputValue', value)}${description === undefined ? '' : tag('Description', description)}</member>`;
}

function stackXml(stack: Required<OfflineStack>): string {
  const outputs = Object.entries(stack.outputs)
    .map(([key, output]) => outputXml(key, output))
    .join('');
  return `<member>${tag('StackName', stack.name)}${tag('StackId', stack.stackId)}${tag('CreationTime', stack.creationTime.toISOString())}${tag('StackStatus', 'CREATE_COMPLETE')}<Outputs>${outputs}</Outputs></member>`;
}

function send(res: ServerResponse, status: number, xml: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n${xml}\n`;
  res.writeHead(status, {
    'Content-Type': 'text/xml',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': randomUUID(),
  });
  res.end(body);
}

function sendError(res: ServerResponse, code: string, message: string): void {
  const error = `<Error><Type>Sender</Type>${tag('Code', code)}${tag('Message', message)}</Error>`;
  send(res, 400, `<ErrorResponse xmlns="${XMLNS}">${error}${tag('RequestId', randomUUID())}</ErrorResponse>`);
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

/**
 * A minimal CloudFormation endpoint for the offline cloud: `DescribeStacks` over the AWS Query
 * protocol (a form-encoded POST, an XML answer), so that the real `CloudFormationClient` finds
 * the offline stack's outputs as it finds a deployed one's. Every stack is `CREATE_COMPLETE`;
 * an unknown stack is CloudFormation's own `ValidationError` ("Stack with id X does not
 * exist"); other actions are `InvalidAction`. Resolves false for a request that is not a
 * Query protocol call, so one server can also serve Step Functions on the same port.
 *
 * @example
 * ```ts
 * const stacks = stackHandler({ stacks: [{ name: 'stepmr-dev', outputs: { StateMachineArn: arn, DataBucket: 'data' } }] });
 * const server = await startStepFunctionsServer({ engine, stateMachines, fallback: stacks });
 * ```
 */
export function stackHandler(options: { readonly stacks: readonly OfflineStack[] }): RequestHandler {
  const created = new Date();
  const stacks = options.stacks.map((s) => ({
    name: s.name,
    outputs: s.outputs,
    stackId: s.stackId ?? `arn:aws:cloudformation:us-east-1:123456789012:stack/${s.name}/${randomUUID()}`,
    creationTime: s.creationTime ?? created,
  }));
  return async (req, res) => {
    if (!isQueryRequest(req)) return false;
    const form = new URLSearchParams((await readBody(req)).toString('utf8'));
    const action = form.get('Action') ?? '';
    if (action !== 'DescribeStacks') {
      sendError(
        res,
        'InvalidAction',
        `Could not find operation ${action} for version ${form.get('Version') ?? ''}`,
      );
      return true;
    }
    const wanted = form.get('StackName');
    const found = wanted ? stacks.filter((s) => s.name === wanted || s.stackId === wanted) : stacks;
    if (wanted && found.length === 0) {
      sendError(res, 'ValidationError', `Stack with id ${wanted} does not exist`);
      return true;
    }
    const members = found.map(stackXml).join('');
    const result = `<DescribeStacksResult><Stacks>${members}</Stacks></DescribeStacksResult>`;
    const metadata = `<ResponseMetadata>${tag('RequestId', randomUUID())}</ResponseMetadata>`;
    send(res, 200, `<DescribeStacksResponse xmlns="${XMLNS}">${result}${metadata}</DescribeStacksResponse>`);
    return true;
  };
}
