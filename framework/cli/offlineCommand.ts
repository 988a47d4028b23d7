import { type Command, InvalidArgumentError } from 'commander';
import { startOfflineCloud } from '../runtime/offline/offlineCloud.js';
import { describePartExit, OfflinePartDiedError, partExitSummary } from '../runtime/offline/partExit.js';
import { nonNegativeInt, positiveInt } from './parse.js';

interface OfflineFlags {
  readonly port?: number;
  readonly s3Port?: number;
  readonly lambdaPort?: number;
  readonly stage?: string;
  readonly dataDir?: string;
  readonly verbose?: boolean;
  readonly injectFaults?: FaultSpec;
  readonly functionsConcurrency?: number;
}

interface FaultSpec {
  s3Every?: number;
  lambdaEvery?: number;
  duplicateEventEvery?: number;
  delayEventEvery?: number;
}

const FAULT_KEYS = {
  s3: 's3Every',
  lambda: 'lambdaEvery',
  duplicate: 'duplicateEventEvery',
  delay: 'delayEventEvery',
} as const;

/** Commander parser of `--inject-faults s3=7,lambda=5,duplicate=3,delay=4`. */
function faultSpec(value: string): FaultSpec {
  const spec: FaultSpec = {};
  for (const part of value.split(',')) {
    const match = /^(s3|lambda|duplicate|delay)=(\d+)$/.exec(part.trim());
    const every = Number(match?.[2]);
    if (!match?.[1] || !Number.isInteger(every) || every < 2) {
      throw new InvalidArgumentError(
        `--inject-faults takes kind=N pairs with N of 2 or more, e.g. s3=7,lambda=5,duplicate=3,delay=4 (every 7th S3 request gets 503 SlowDown, every 5th Invoke 429, every 3rd EventBridge event is delivered twice, every 4th late); got "${value}"`,
      );
    }
    spec[FAULT_KEYS[match[1] as keyof typeof FAULT_KEYS]] = every;
  }
  return spec;
}

const port = (name: string) => {
  const parse = nonNegativeInt(name);
  return (value: string) => Math.min(parse(value), 65_535);
};

/**
 * Adds `stepmr offline`: the project's stack on this machine (s3rver, serverless-offline, the
 * engine behind the Step Functions API), until Ctrl-C. Stdout has only the `export` lines that
 * point the AWS SDK (and `stepmr submit`, `status`, `list`, `stop`) at it; what started, and
 * where, goes to stderr.
 *
 * @example
 * ```ts
 * addOfflineCommand(program);
 * await program.parseAsync(['node', 'stepmr', 'offline', '--port', '0']);
 * ```
 */
export function addOfflineCommand(program: Command): void {
  program
    .command('offline')
    .description(
      'run the stack of serverless.yml on this machine: S3 (s3rver), the functions (serverless-offline) and Step Functions (the engine)',
    )
    .option(
      '--port <port>',
      'Step Functions and CloudFormation API port, 0 for any (default: 4584)',
      port('--port'),
    )
    .option('--s3-port <port>', 'S3 API (s3rver) port, 0 for any (default: 4569)', port('--s3-port'))
    .option(
      '--lambda-port <port>',
      'serverless-offline’s Lambda API port, 0 for any (default: 3002)',
      port('--lambda-port'),
    )
    .option('--stage <stage>', 'the stage packaged and run (default: dev)')
    .option('--data-dir <dir>', 'where the bucket’s objects and the package go (default: .stepmr/offline)')
    .option('--verbose', 'show serverless’s output and the functions’ logs')
    .option(
      '--inject-faults <spec>',
      'faults to prove the retries: s3=N answers every Nth S3 request 503 SlowDown, lambda=N every Nth Invoke 429; duplicate=N delivers every Nth EventBridge event twice, delay=N every Nth late',
      faultSpec,
    )
    .option(
      '--functions-concurrency <n>',
      'invocations of the functions at once (they share serverless-offline’s one process and heap); more wait (default: 8)',
      positiveInt('--functions-concurrency', 1000),
    )
    .action(async (flags: OfflineFlags) => {
      const say = (text: string) => process.stderr.write(text);
      const cloud = await startOfflineCloud({
        ...(flags.port !== undefined ? { port: flags.port } : {}),
        ...(flags.s3Port !== undefined ? { s3Port: flags.s3Port } : {}),
        ...(flags.lambdaPort !== undefined ? { lambdaPort: flags.lambdaPort } : {}),
        ...(flags.stage ? { stage: flags.stage } : {}),
        ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
        ...(flags.injectFaults ? { faults: flags.injectFaults } : {}),
        ...(flags.functionsConcurrency ? { functionsConcurrency: flags.functionsConcurrency } : {}),
        log: say,
        ...(flags.verbose ? { detail: say } : {}),
      });
      say(
        [
          `offline cloud of stack ${cloud.stackName} is up:`,
          `  S3 (s3rver)                      ${cloud.endpoints.s3}  bucket ${cloud.bucket}`,
          `  Lambda (serverless-offline)      ${cloud.endpoints.lambda}`,
          `  Step Functions, CloudFormation   ${cloud.endpoints.stepFunctions}`,
          `  state machine                    ${cloud.stateMachineArn}`,
          `Every API takes only requests addressed to 127.0.0.1 or localhost and signed with this run's key ${cloud.credentials.accessKeyId} (new each run).`,
          'In another shell, point the AWS SDK at it with the key (these lines are on stdout; keep them private), then use stepmr as on AWS:',
          '  for example: stepmr submit wordcount -i s3://BUCKET/in/corpus/ -o s3://BUCKET/out/wc --wait'.replaceAll(
            'BUCKET',
            cloud.bucket,
          ),
          'Ctrl-C stops everything.',
          '',
        ].join('\n'),
      );
      for (const [key, value] of Object.entries(cloud.env)) process.stdout.write(`export ${key}=${value}\n`);
      const stopped = new Promise<string>((done) => {
        process.once('SIGINT', () => done('Ctrl-C'));
        process.once('SIGTERM', () => done('SIGTERM'));
      });
      const end = await Promise.race([stopped, cloud.ended]);
      const why = typeof end === 'string' ? end : partExitSummary(end);
      if (typeof end !== 'string') say(`\n${describePartExit(end)}\n`);
      say(`\nstopping the offline cloud (${why}) …\n`);
      const counts = cloud.faultCounts();
      const events = cloud.eventCounts();
      await cloud.stop(why);
      for (const [service, c] of Object.entries(counts)) {
        say(`faults injected: ${service} ${c.injected} of ${c.requests} requests\n`);
      }
      if (events.duplicated || events.delayed) {
        say(`faults injected: events ${events.duplicated} duplicated, ${events.delayed} delayed\n`);
      }
      if (typeof end === 'string') {
        say('stopped\n');
        return;
      }
      throw new OfflinePartDiedError(
        `${why}, so the offline cloud stopped and aborted its running executions (its last lines are above). Start it again with stepmr offline.`,
      );
    });
}
