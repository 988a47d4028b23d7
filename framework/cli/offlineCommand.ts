import type { Command } from 'commander';
import { startOfflineCloud } from '../runtime/offline/offlineCloud.js';
import { nonNegativeInt } from './parse.js';

interface OfflineFlags {
  readonly port?: number;
  readonly s3Port?: number;
  readonly lambdaPort?: number;
  readonly stage?: string;
  readonly dataDir?: string;
  readonly verbose?: boolean;
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
    .option('--s3-port <port>', 's3rver port, 0 for any (default: 4569)', port('--s3-port'))
    .option(
      '--lambda-port <port>',
      'serverless-offline’s Lambda API port, 0 for any (default: 3002)',
      port('--lambda-port'),
    )
    .option('--stage <stage>', 'the stage packaged and run (default: dev)')
    .option('--data-dir <dir>', 'where the bucket’s objects and the package go (default: .stepmr/offline)')
    .option('--verbose', 'show serverless’s output and the functions’ logs')
    .action(async (flags: OfflineFlags) => {
      const say = (text: string) => process.stderr.write(text);
      let started = false;
      const cloud = await startOfflineCloud({
        ...(flags.port !== undefined ? { port: flags.port } : {}),
        ...(flags.s3Port !== undefined ? { s3Port: flags.s3Port } : {}),
        ...(flags.lambdaPort !== undefined ? { lambdaPort: flags.lambdaPort } : {}),
        ...(flags.stage ? { stage: flags.stage } : {}),
        ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
        log: (text) => {
          // Steps are always shown; serverless's own output with --verbose, or once started.
          if (flags.verbose || (!started && /^(packaging|starting) /.test(text))) say(text);
        },
      });
      started = true;
      say(
        [
          `offline cloud of stack ${cloud.stackName} is up:`,
          `  S3 (s3rver)                      ${cloud.endpoints.s3}  bucket ${cloud.bucket}`,
          `  Lambda (serverless-offline)      ${cloud.endpoints.lambda}`,
          `  Step Functions, CloudFormation   ${cloud.endpoints.stepFunctions}`,
          `  state machine                    ${cloud.stateMachineArn}`,
          'In another shell, point the AWS SDK at it (these lines are on stdout), then use stepmr as on AWS:',
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
      const why = await Promise.race([stopped, cloud.ended]);
      say(`\nstopping the offline cloud (${why}) …\n`);
      await cloud.stop();
      say('stopped\n');
    });
}
