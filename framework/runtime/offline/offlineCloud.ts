import { mkdir } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join, resolve } from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { ExecutionStore } from '../../engine/http/executionStore.js';
import { type ApiServer, startStepFunctionsServer } from '../../engine/http/stepFunctionsApi.js';
import { StoredEngine } from '../../engine/http/storedEngine.js';
import { S3Store } from '../../store/S3Store.js';
import { LambdaInvoker } from '../aws/LambdaInvoker.js';
import { boundedInvoker } from './boundedInvoker.js';
import { startConditionalWriteProxy } from './conditionalWrites.js';
import { type Door, hostFilter, signatureFilter } from './doorFilters.js';
import type { EventBus } from './eventBus.js';
import { type FaultFilter, faultFilter, LAMBDA_TOO_MANY_REQUESTS, S3_SLOW_DOWN } from './faults.js';
import { type RequestFilter, startFrontDoor } from './frontDoor.js';
import { startOfflineEvents } from './offlineEvents.js';
import { offlineResources, packageStack, readStateMachine } from './packagedStack.js';
import type { PartExit } from './partExit.js';
import { MultipartEtags, s3MultipartEtagFilter } from './s3MultipartEtags.js';
import { s3RangeFilter } from './s3Ranges.js';
import { s3rverClientConfig, startS3rverProcess } from './s3rverProcess.js';
import { freePort, functionsEnvironment, startServerlessOffline } from './serverlessOffline.js';
import { newOfflineCredentials, type OfflineCredentials } from './sigv4Check.js';
import { stackHandler } from './stackApi.js';

/** Options of {@link startOfflineCloud}. */
export interface OfflineCloudOptions {
  /** The project with serverless.yml and stepmr.config.ts. @default the current directory */
  readonly projectDir?: string;
  /** @default 'dev' */
  readonly stage?: string;
  /** The service of serverless.yml. @default 'stepmr' */
  readonly service?: string;
  /**
   * Where s3rver keeps the data bucket, the executions are kept (`executions/`), and the package
   * goes. @default <projectDir>/.stepmr/offline
   */
  readonly dataDir?: string;
  /** Port of the Step Functions and CloudFormation APIs. @default 4584 (0: any free port) */
  readonly port?: number;
  /** Port of the S3 API (its front door; conditional writes enforced behind it). @default 4569 (0: any free port) */
  readonly s3Port?: number;
  /** Port of the Lambda Invoke API. @default 3002 (0: any free port) */
  readonly lambdaPort?: number;
  /** The only key every API takes. @default a new random one for this run */
  readonly credentials?: OfflineCredentials;
  /**
   * Throttling to inject, to prove the retries: every `s3Every`-th S3 request gets a 503
   * SlowDown, every `lambdaEvery`-th Lambda Invoke a 429 TooManyRequestsException. @default none
   */
  readonly faults?: {
    readonly s3Every?: number;
    readonly lambdaEvery?: number;
    /** Every n-th EventBridge event is delivered twice. */
    readonly duplicateEventEvery?: number;
    /** Every n-th EventBridge event is delivered 2 s late. */
    readonly delayEventEvery?: number;
  };
  /** Told of every S3 request the door answered, and its status (e.g. `s3RequestCounter`'s `record`). @default none */
  readonly onS3Request?: (req: IncomingMessage, status: number | undefined) => void;
  /**
   * Invocations of the functions at once; more wait their turn. serverless-offline runs them all
   * in one process, so this (with its heap limit) bounds its memory. @default 8
   */
  readonly functionsConcurrency?: number;
  /** Executions kept across restarts: the newest this many, started within 90 days. @default 1000 */
  readonly keptExecutions?: number;
  /** Where the steps go: what is starting, and the faults injected. */
  readonly log?: (text: string) => void;
  /** Where the details go: s3rver's directory, and serverless's own output. */
  readonly detail?: (text: string) => void;
}

/** Requests a front door let through, and how many it answered with a fault. */
export interface FaultCounts {
  readonly requests: number;
  readonly injected: number;
}

/** The running offline cloud. */
export interface OfflineCloud {
  readonly stackName: string;
  readonly bucket: string;
  readonly stateMachineArn: string;
  /** The front doors (the only endpoints clients are given). */
  readonly endpoints: { readonly s3: string; readonly stepFunctions: string; readonly lambda: string };
  /** The key every front door takes, and only it. */
  readonly credentials: OfflineCredentials;
  /** The standard AWS variables (endpoints and key) that point SDK clients and `stepmr` at this cloud. */
  readonly env: Readonly<Record<string, string>>;
  /** serverless-offline's process id (its environment is what the functions see). */
  readonly functionsPid: number | undefined;
  /**
   * Resolves when a part (s3rver or serverless-offline) exits by itself, with how and its last
   * output; never when `stop()` stopped it.
   */
  readonly ended: Promise<PartExit>;
  /** The faults injected so far, per service (empty without `faults`). */
  faultCounts(): { readonly s3?: FaultCounts; readonly lambda?: FaultCounts };
  /** EventBridge: events delivered to the functions, duplicated, delayed and dead-lettered so far. */
  eventCounts(): ReturnType<EventBus['counts']>;
  /**
   * Stops everything: running executions (ABORTED, with `why` in their cause), the APIs,
   * serverless-offline, s3rver. The executions stay on disk for the next start.
   */
  stop(why?: string): Promise<void>;
}

const REGION = 'us-east-1';
/** The error of an execution the offline cloud stopped, or lost, as it stopped. */
const STOPPED_ERROR = 'StepmrOffline.Stopped';
const ACCOUNT = '123456789012';

async function portOr(requested: number | undefined, fallback: number): Promise<number> {
  const port = requested ?? fallback;
  return port === 0 ? freePort() : port;
}

/**
 * Starts the stack of serverless.yml on this machine, from real parts that speak AWS's wire
 * protocols: s3rver for the data bucket, serverless-offline running the functions behind the
 * Lambda Invoke API, and the embedded engine behind the Step Functions API (AWS JSON 1.0),
 * executing the state machine read from the template `serverless package` makes, with its
 * Lambda ARNs resolved to serverless-offline's functions. The same port answers CloudFormation's
 * DescribeStacks with the stack's outputs (`DataBucket`, `StateMachineArn`), ListStacks and
 * DescribeStackResources, so
 * `stepmr submit`, `status`, `list` and `stop` find the stack as they do on AWS. EventBridge is
 * there too (see `startOfflineEvents`): objects created in s3rver and the ends of executions
 * become events the template's rules deliver to their functions, and schedules fire.
 *
 * Each of the three listens behind a front door on 127.0.0.1 that takes only requests
 * addressed to the loopback (the Host header) and signed with this run's key, which `env`
 * holds; the parts themselves listen on loopback ports that are named to nobody.
 * serverless-offline, and so the functions, get only the variables they need.
 *
 * @example
 * ```ts
 * const cloud = await startOfflineCloud({ port: 0, s3Port: 0, lambdaPort: 0 });
 * Object.assign(process.env, cloud.env); // AWS_ENDPOINT_URL_SFN, AWS_ACCESS_KEY_ID, …
 * await cloud.stop();
 * ```
 */
export async function startOfflineCloud(options: OfflineCloudOptions = {}): Promise<OfflineCloud> {
  const projectDir = resolve(options.projectDir ?? '.');
  const stage = options.stage ?? 'dev';
  const stackName = `${options.service ?? 'stepmr'}-${stage}`;
  const bucket = `${stackName}-data`;
  const dataDir = resolve(options.dataDir ?? join(projectDir, '.stepmr', 'offline'));
  const log = options.log ?? (() => {});
  const detail = options.detail ?? (() => {});
  const credentials = options.credentials ?? newOfflineCredentials();
  const [port, s3Port, lambdaPort, functionsPort] = await Promise.all([
    portOr(options.port, 4584),
    portOr(options.s3Port, 4569),
    portOr(options.lambdaPort, 3002),
    freePort(),
  ]);
  const cleanups: (() => Promise<unknown>)[] = [];
  let stopping = false;
  let stopExecutions = async (_why: string) => {};
  const stopAll = async (why = 'stopped') => {
    stopping = true;
    await stopExecutions(why).catch(() => {});
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  };
  let died: (exit: PartExit) => void = () => {};
  const ended = new Promise<PartExit>((resolve) => {
    died = resolve;
  });
  const watch = (exited: Promise<PartExit>) => {
    void exited.then((exit) => stopping || died(exit));
  };
  const throttles: { s3?: FaultFilter; lambda?: FaultFilter } = {};
  const door = async (service: Door, target: string, doorPort: number, throttle?: FaultFilter) => {
    const filters: RequestFilter[] = [hostFilter(service), signatureFilter(service, credentials)];
    if (throttle) filters.push(throttle);
    // What s3rver gets wrong, answered as S3 does.
    if (service === 's3') {
      const etags = new MultipartEtags();
      filters.push(s3MultipartEtagFilter(target, etags), s3RangeFilter(target, etags));
    }
    const onAnswered = service === 's3' ? options.onS3Request : undefined;
    const started = await startFrontDoor({
      target,
      port: doorPort,
      filters,
      readBodies: service !== 's3',
      ...(onAnswered ? { onAnswered } : {}),
    });
    cleanups.push(() => started.close());
    return started.endpoint;
  };
  const throttle = (service: 's3' | 'lambda', every: number | undefined) => {
    if (!every) return undefined;
    const fault = service === 's3' ? S3_SLOW_DOWN : LAMBDA_TOO_MANY_REQUESTS;
    log(`injecting faults: every ${every}th ${service} request answered ${fault.status}\n`);
    throttles[service] = faultFilter(every, fault);
    return throttles[service];
  };
  try {
    await mkdir(join(dataDir, 's3'), { recursive: true });
    log(`packaging the stack (serverless package --stage ${stage}) …\n`);
    const template = await packageStack({ projectDir, stage, outDir: join(dataDir, 'package') });
    const machine = readStateMachine(template, { region: REGION, accountId: ACCOUNT });

    const s3 = await startS3rverProcess({
      directory: join(dataDir, 's3'),
      buckets: [bucket],
      accessKeyId: credentials.accessKeyId,
    });
    cleanups.push(() => s3.stop());
    watch(s3.exited);
    detail(`s3rver: ${s3.endpoint}, bucket ${bucket} (objects in ${join(dataDir, 's3', bucket)})\n`);
    // s3rver ignores If-None-Match and If-Match: this proxy, behind the S3 door, enforces them.
    const guarded = await startConditionalWriteProxy({ target: s3.endpoint, port: 0 });
    cleanups.push(() => guarded.close());
    const s3Endpoint = await door('s3', guarded.endpoint, s3Port, throttle('s3', options.faults?.s3Every));
    const lambdaEndpoint = await door(
      'lambda',
      `http://127.0.0.1:${functionsPort}`,
      lambdaPort,
      throttle('lambda', options.faults?.lambdaEvery),
    );

    const s3Client = new S3Client({ ...s3rverClientConfig(s3Endpoint), credentials: { ...credentials } });
    const lambda = new LambdaClient({
      endpoint: lambdaEndpoint,
      region: REGION,
      credentials: { ...credentials },
      maxAttempts: 1,
    });
    cleanups.push(async () => {
      s3Client.destroy();
      lambda.destroy();
    });
    const store = await ExecutionStore.open({
      dir: join(dataDir, 'executions'),
      ...(options.keptExecutions !== undefined ? { maxCount: options.keptExecutions } : {}),
      lostError: STOPPED_ERROR,
      warn: log,
    });
    const invoker = new LambdaInvoker({
      client: lambda,
      functionName: (arn) => machine.functions.get(arn) ?? arn,
      errorTypeFromTrace: true,
    });
    const engine = new StoredEngine(
      {
        invoker: boundedInvoker(invoker, options.functionsConcurrency ?? 8),
        stores: (name) => new S3Store({ client: s3Client, bucket: name }),
        region: REGION,
        accountId: ACCOUNT,
      },
      store,
    );
    stopExecutions = async (why) => {
      const running = engine.listExecutions({ statusFilter: 'RUNNING' }).executions;
      const cause = `The offline cloud stopped (${why}) while this execution ran; executions are not resumed after a restart.`;
      await Promise.all(running.map((e) => engine.stopExecution(e.executionArn, STOPPED_ERROR, cause)));
    };
    cleanups.push(() => store.flush());
    const api: ApiServer = await startStepFunctionsServer({
      engine,
      store,
      stateMachines: [{ name: machine.name, arn: machine.arn, definition: machine.definition }],
      port: 0,
      fallback: stackHandler({
        stacks: [
          {
            name: stackName,
            outputs: { DataBucket: bucket, StateMachineArn: machine.arn },
            resources: offlineResources(template, { bucket, machine }),
          },
        ],
      }),
    });
    cleanups.push(() => api.close());
    const sfnEndpoint = await door('states', api.endpoint, port);
    const env = {
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
      AWS_REGION: REGION,
      // The AWS CLI v1 (and boto3) read this one, not AWS_REGION.
      AWS_DEFAULT_REGION: REGION,
      AWS_ENDPOINT_URL_S3: s3Endpoint,
      AWS_ENDPOINT_URL_SFN: sfnEndpoint,
      AWS_ENDPOINT_URL_CLOUDFORMATION: sfnEndpoint,
      AWS_ENDPOINT_URL_LAMBDA: lambdaEndpoint,
      STEPMR_STACK: stackName,
    };

    log('starting the functions (serverless offline start) …\n');
    const offline = await startServerlessOffline({
      projectDir,
      stage,
      lambdaPort: functionsPort,
      env: functionsEnvironment(process.env, {
        ...env,
        // serverless-offline cannot resolve Ref: serverless.stepmr.cjs reads these instead.
        STEPMR_OFFLINE_DATA_BUCKET: bucket,
        STEPMR_OFFLINE_STATE_MACHINE_ARN: machine.arn,
      }),
      detail,
    });
    cleanups.push(() => offline.stop());
    watch(offline.exited);
    const bus = startOfflineEvents({
      template,
      machine,
      bucket,
      lambda,
      s3,
      engine,
      faults: options.faults,
      log,
    });
    cleanups.push(async () => bus.stop());
    return {
      stackName,
      bucket,
      stateMachineArn: machine.arn,
      endpoints: { s3: s3Endpoint, stepFunctions: sfnEndpoint, lambda: lambdaEndpoint },
      credentials,
      env,
      functionsPid: offline.pid,
      ended,
      eventCounts: () => bus.counts(),
      faultCounts: () => ({
        ...(throttles.s3 ? { s3: throttles.s3.counts() } : {}),
        ...(throttles.lambda ? { lambda: throttles.lambda.counts() } : {}),
      }),
      stop: (why?: string) => stopAll(why),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
