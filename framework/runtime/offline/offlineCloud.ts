import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { Engine } from '../../engine/Engine.js';
import { type ApiServer, startStepFunctionsServer } from '../../engine/http/stepFunctionsApi.js';
import { S3Store } from '../../store/S3Store.js';
import { LambdaInvoker } from '../aws/LambdaInvoker.js';
import { startConditionalWriteProxy } from './conditionalWrites.js';
import {
  type Fault,
  type FaultProxy,
  LAMBDA_TOO_MANY_REQUESTS,
  S3_SLOW_DOWN,
  startFaultProxy,
} from './faultProxy.js';
import { packageStack, readStateMachine, serverlessBin } from './packagedStack.js';
import {
  S3RVER_CLIENT_ENV,
  S3RVER_CREDENTIALS,
  s3rverClientConfig,
  startS3rverProcess,
} from './s3rverProcess.js';
import { stackHandler } from './stackApi.js';

/** Options of {@link startOfflineCloud}. */
export interface OfflineCloudOptions {
  /** The project with serverless.yml and stepmr.config.ts. @default the current directory */
  readonly projectDir?: string;
  /** @default 'dev' */
  readonly stage?: string;
  /** The service of serverless.yml. @default 'stepmr' */
  readonly service?: string;
  /** Where s3rver keeps the data bucket, and the package goes. @default <projectDir>/.stepmr/offline */
  readonly dataDir?: string;
  /** Port of the Step Functions and CloudFormation APIs. @default 4584 (0: any free port) */
  readonly port?: number;
  /** Port of the S3 API (s3rver, behind the proxy that enforces conditional writes). @default 4569 (0: any free port) */
  readonly s3Port?: number;
  /** Port of serverless-offline's Lambda Invoke API. @default 3002 (0: any free port) */
  readonly lambdaPort?: number;
  /**
   * Throttling to inject, to prove the retries: every `s3Every`-th S3 request gets a 503
   * SlowDown, every `lambdaEvery`-th Lambda Invoke a 429 TooManyRequestsException. @default none
   */
  readonly faults?: { readonly s3Every?: number; readonly lambdaEvery?: number };
  /** Where the steps go: what is starting, and the fault proxies. */
  readonly log?: (text: string) => void;
  /** Where the details go: s3rver's directory, and serverless's own output. */
  readonly detail?: (text: string) => void;
}

/** Requests a fault proxy saw, and how many it answered with a fault. */
export interface FaultCounts {
  readonly requests: number;
  readonly injected: number;
}

/** The running offline cloud. */
export interface OfflineCloud {
  readonly stackName: string;
  readonly bucket: string;
  readonly stateMachineArn: string;
  readonly endpoints: { readonly s3: string; readonly stepFunctions: string; readonly lambda: string };
  /** The standard AWS variables that point SDK clients (and `stepmr submit`) at this cloud. */
  readonly env: Readonly<Record<string, string>>;
  /** Resolves when a part stops by itself (serverless-offline or s3rver exiting), with why. */
  readonly ended: Promise<string>;
  /** The faults injected so far, per service (empty without `faults`). */
  faultCounts(): { readonly s3?: FaultCounts; readonly lambda?: FaultCounts };
  /** Stops everything: running executions, the APIs, serverless-offline, s3rver. */
  stop(): Promise<void>;
}

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';

/** A free TCP port on the loopback interface. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

async function portOr(requested: number | undefined, fallback: number): Promise<number> {
  const port = requested ?? fallback;
  return port === 0 ? freePort() : port;
}

/** Resolves when something listens on the port; rejects if `child` exits first or after `ms`. */
async function listening(port: number, child: ChildProcess, what: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited (code ${child.exitCode}) before listening on port ${port}`);
    }
    const up = await new Promise<boolean>((done) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        done(true);
      });
      socket.once('error', () => done(false));
    });
    if (up) return;
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`${what} did not listen on port ${port} within ${ms / 1000} s`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts the stack of serverless.yml on this machine, from real parts that speak AWS's wire
 * protocols: s3rver for the data bucket, serverless-offline running the functions behind the
 * Lambda Invoke API, and the embedded engine behind the Step Functions API (AWS JSON 1.0),
 * executing the state machine read from the template `serverless package` makes, with its
 * Lambda ARNs resolved to serverless-offline's functions. The same port answers CloudFormation's
 * DescribeStacks with the stack's outputs (`DataBucket`, `StateMachineArn`), so
 * `stepmr submit`, `status`, `list` and `stop` find the stack as they do on AWS.
 *
 * @example
 * ```ts
 * const cloud = await startOfflineCloud({ port: 0, s3Port: 0, lambdaPort: 0 });
 * Object.assign(process.env, cloud.env); // AWS_ENDPOINT_URL_SFN, AWS_ENDPOINT_URL_S3, …
 * await cloud.stop();
 * ```
 */
export async function startOfflineCloud(options: OfflineCloudOptions = {}): Promise<OfflineCloud> {
  const projectDir = resolve(options.projectDir ?? '.');
  const stage = options.stage ?? 'dev';
  const service = options.service ?? 'stepmr';
  const stackName = `${service}-${stage}`;
  const bucket = `${stackName}-data`;
  const dataDir = resolve(options.dataDir ?? join(projectDir, '.stepmr', 'offline'));
  const log = options.log ?? (() => {});
  const detail = options.detail ?? (() => {});
  const [port, s3Port, lambdaPort, httpPort, websocketPort, albPort] = await Promise.all([
    portOr(options.port, 4584),
    portOr(options.s3Port, 4569),
    portOr(options.lambdaPort, 3002),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const cleanups: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  };
  try {
    await mkdir(join(dataDir, 's3'), { recursive: true });
    log(`packaging the stack (serverless package --stage ${stage}) …\n`);
    const template = await packageStack({ projectDir, stage, outDir: join(dataDir, 'package') });
    const machine = readStateMachine(template, { region: REGION, accountId: ACCOUNT });

    const s3 = await startS3rverProcess({ directory: join(dataDir, 's3'), buckets: [bucket] });
    cleanups.push(() => s3.stop());
    detail(`s3rver: ${s3.endpoint}, bucket ${bucket} (objects in ${join(dataDir, 's3', bucket)})\n`);
    // s3rver ignores If-None-Match and If-Match: this proxy, on the S3 port, enforces them.
    const guarded = await startConditionalWriteProxy({ target: s3.endpoint, port: s3Port });
    cleanups.push(() => guarded.close());
    const proxies: { s3?: FaultProxy; lambda?: FaultProxy } = {};
    const faulty = async (
      service: 's3' | 'lambda',
      endpoint: string,
      every: number | undefined,
      fault: Fault,
    ) => {
      if (!every) return endpoint;
      const proxy = await startFaultProxy({ target: endpoint, every, fault });
      cleanups.push(() => proxy.close());
      proxies[service] = proxy;
      log(
        `fault proxy: every ${every}th ${service} request answered ${fault.status}, at ${proxy.endpoint}\n`,
      );
      return proxy.endpoint;
    };
    const s3Endpoint = await faulty('s3', guarded.endpoint, options.faults?.s3Every, S3_SLOW_DOWN);

    const functionsEnv: Record<string, string> = {
      ...S3RVER_CLIENT_ENV,
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL_S3: s3Endpoint,
      // The plan function starts executions on this cloud's Step Functions API.
      AWS_ENDPOINT_URL_SFN: `http://127.0.0.1:${port}`,
      STEPMR_OFFLINE_DATA_BUCKET: bucket,
      STEPMR_OFFLINE_STATE_MACHINE_ARN: machine.arn,
    };
    const offline = spawn(
      process.execPath,
      [
        serverlessBin(projectDir),
        'offline',
        'start',
        '--stage',
        stage,
        '--useInProcess',
        '--noPrependStageInUrl',
        '--lambdaPort',
        String(lambdaPort),
        '--httpPort',
        String(httpPort),
        '--websocketPort',
        String(websocketPort),
        '--albPort',
        String(albPort),
      ],
      { cwd: projectDir, env: { ...process.env, ...functionsEnv }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    cleanups.push(() => stopChild(offline));
    let offlineOutput = '';
    const onOutput = (chunk: Buffer) => {
      offlineOutput = (offlineOutput + chunk.toString()).slice(-20_000);
      detail(chunk.toString());
    };
    offline.stdout?.on('data', onOutput);
    offline.stderr?.on('data', onOutput);
    log('starting the functions (serverless offline start) …\n');
    await listening(lambdaPort, offline, 'serverless offline', 120_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${offlineOutput.split('\n').slice(-30).join('\n')}`);
    });
    const lambdaEndpoint = await faulty(
      'lambda',
      `http://127.0.0.1:${lambdaPort}`,
      options.faults?.lambdaEvery,
      LAMBDA_TOO_MANY_REQUESTS,
    );

    const s3Client = new S3Client({ ...s3rverClientConfig(s3Endpoint), region: REGION });
    const lambda = new LambdaClient({
      endpoint: lambdaEndpoint,
      region: REGION,
      credentials: { ...S3RVER_CREDENTIALS },
      maxAttempts: 1,
    });
    cleanups.push(async () => {
      s3Client.destroy();
      lambda.destroy();
    });
    const engine = new Engine({
      invoker: new LambdaInvoker({
        client: lambda,
        functionName: (arn) => machine.functions.get(arn) ?? arn,
        errorTypeFromTrace: true,
      }),
      stores: (name) => new S3Store({ client: s3Client, bucket: name }),
      region: REGION,
      accountId: ACCOUNT,
    });
    const api: ApiServer = await startStepFunctionsServer({
      engine,
      stateMachines: [{ name: machine.name, arn: machine.arn, definition: machine.definition }],
      port,
      fallback: stackHandler({
        stacks: [{ name: stackName, outputs: { DataBucket: bucket, StateMachineArn: machine.arn } }],
      }),
    });
    cleanups.push(() => api.close());
    const env = {
      ...S3RVER_CLIENT_ENV,
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL_S3: s3Endpoint,
      AWS_ENDPOINT_URL_SFN: api.endpoint,
      AWS_ENDPOINT_URL_CLOUDFORMATION: api.endpoint,
      AWS_ENDPOINT_URL_LAMBDA: lambdaEndpoint,
      STEPMR_STACK: stackName,
    };
    const ended = new Promise<string>((done) => {
      offline.once('exit', (code) => done(`serverless offline exited (code ${code})`));
    });
    return {
      stackName,
      bucket,
      stateMachineArn: machine.arn,
      endpoints: { s3: s3Endpoint, stepFunctions: api.endpoint, lambda: lambdaEndpoint },
      env,
      ended,
      faultCounts: () => ({
        ...(proxies.s3 ? { s3: proxies.s3.counts() } : {}),
        ...(proxies.lambda ? { lambda: proxies.lambda.counts() } : {}),
      }),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
