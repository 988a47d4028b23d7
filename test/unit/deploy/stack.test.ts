import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { scheduledEvent } from '../../../framework/contract/events.js';
import type { ScheduleConfig, StepmrConfig } from '../../../framework/deploy/config.js';
import {
  FUNCTIONS,
  functionLogicalId,
  roleLogicalId,
  scheduleEvents,
  stackResources,
  stateMachineLogging,
  templateDefinition,
} from '../../../framework/deploy/stack.js';
import { defineJob, lines } from '../../../framework/index.js';
import { buildDefinition } from '../../../framework/statemachine/buildDefinition.js';

/** serverless's own naming of CloudFormation resources (osls). */
const naming = createRequire(import.meta.url)('osls/lib/plugins/aws/lib/naming.js') as {
  getLambdaLogicalId(functionName: string): string;
};

const job = defineJob({
  input: lines(),
  map(line, emit) {
    emit(line, 1);
  },
});
const schedule = (s: Partial<ScheduleConfig>): ScheduleConfig => ({
  job: 'lines',
  schedule: 'rate(1 day)',
  input: ['in/'],
  output: 'out/lines/{date}/',
  ...s,
});

interface ScheduleEvent {
  schedule: {
    name: string;
    description: string;
    rate: string[];
    enabled: boolean;
    inputTransformer: { inputPathsMap: Record<string, string>; inputTemplate: string };
  };
}
const events = (config: StepmrConfig, service = 'stepmr', stage = 'dev') =>
  scheduleEvents(config, { service, stage }) as unknown as ScheduleEvent[];

/** What EventBridge sends for a rule with this transformer, for an event scheduled at `time`. */
function sent(event: ScheduleEvent, time: string): unknown {
  const { inputPathsMap, inputTemplate } = event.schedule.inputTransformer;
  const source: Record<string, string> = { time };
  let text = inputTemplate;
  for (const [placeholder, path] of Object.entries(inputPathsMap)) {
    const value = source[path.replace(/^\$\./, '')];
    text = text.replaceAll(`<${placeholder}>`, JSON.stringify(value));
  }
  return JSON.parse(text);
}

describe('scheduleEvents', () => {
  const config: StepmrConfig = {
    jobs: { lines: job },
    schedules: {
      hourly: schedule({ schedule: 'rate(1 hour)' }),
      nightly: schedule({ schedule: 'cron(0 3 * * ? *)', enabled: false }),
      weekly: schedule({ schedule: 'cron(0 4 ? * SUN *)', enabled: true }),
    },
  };

  it('makes one event per schedule with its expression and state (enabled unless switched off)', () => {
    const made = events(config);
    const expected = Object.entries(config.schedules ?? {}).map(([name, s]) => ({
      name: `stepmr-dev-${name}`,
      rate: [s.schedule],
      enabled: s.enabled ?? true,
    }));
    expect(
      made.map((e) => ({ name: e.schedule.name, rate: e.schedule.rate, enabled: e.schedule.enabled })),
    ).toEqual(expected);
    for (const [i, [name, s]] of Object.entries(config.schedules ?? {}).entries()) {
      expect(made[i]?.schedule.description).toContain(s.job);
      expect(made[i]?.schedule.description).toContain(name);
    }
  });

  it('sends the scheduler function the schedule name and the scheduled time, as its parser wants', () => {
    const time = '2026-12-01T03:00:00Z';
    const made = events(config);
    const names = Object.keys(config.schedules ?? {});
    expect(made.map((e) => scheduledEvent.parse(sent(e, time)))).toEqual(
      names.map((schedule) => ({ schedule, time })),
    );
  });

  it('makes nothing for a config without schedules', () => {
    expect(events({ jobs: { lines: job } })).toEqual([]);
    expect(events({ jobs: { lines: job }, schedules: {} })).toEqual([]);
  });

  it('keeps rule names within EventBridge limits and apart, however long the stage and names', () => {
    const long = 'a'.repeat(39);
    const schedules = { [`${long}1`]: schedule({}), [`${long}2`]: schedule({}), short: schedule({}) };
    for (const stage of ['dev', 'feature-branch-with-a-long-name']) {
      const made = events({ jobs: { lines: job }, schedules }, 'stepmr', stage).map((e) => e.schedule.name);
      expect(new Set(made).size).toBe(made.length);
      for (const name of made) {
        expect(name.length).toBeLessThanOrEqual(64);
        expect(name).toMatch(/^[.\-_A-Za-z0-9]+$/);
        expect(name.startsWith(`stepmr-${stage}-`.slice(0, 40))).toBe(true);
      }
      // A name that fits is the plain one, so deployed rules keep their names.
      expect(made[2]).toBe(`stepmr-${stage}-short`);
      // The same config names its rules the same way on every package.
      expect(
        events({ jobs: { lines: job }, schedules }, 'stepmr', stage).map((e) => e.schedule.name),
      ).toEqual(made);
    }
  });
});

describe('stack names', () => {
  it('uses the logical ids serverless gives functions', () => {
    for (const key of FUNCTIONS) expect(functionLogicalId(key)).toBe(naming.getLambdaLogicalId(key));
  });

  it('references every function of the definition by the GetAtt of its logical id', () => {
    const arn = (key: string) => `arn:aws:lambda:eu-west-1:123456789012:function:acme-prod-${key}`;
    const ids = new Map(FUNCTIONS.map((key) => [naming.getLambdaLogicalId(key), arn(key)]));
    const resolved = JSON.parse(JSON.stringify(templateDefinition()), (_key, value) => {
      const getAtt = value?.['Fn::GetAtt'];
      if (!Array.isArray(getAtt)) return value;
      expect(getAtt[1]).toBe('Arn');
      return ids.get(getAtt[0]) ?? value;
    });
    expect(resolved).toEqual(
      buildDefinition({
        functions: {
          map: arn('map'),
          reduce: arn('reduce'),
          delegate: arn('delegate'),
          collect: arn('collect'),
        },
      }),
    );
  });
});

// biome-ignore lint/suspicious/noExplicitAny: the tests walk generated CloudFormation JSON
type J = any;

describe('stackResources', () => {
  it('names every deployed part after the service and stage it is made for', () => {
    const { Resources } = stackResources({ service: 'acme', stage: 'prod' });
    const text = JSON.stringify(Resources);
    // Every ARN the policies spell out names this deployment's functions and state machine.
    const named = [...text.matchAll(/(?:log-group:\/aws\/lambda\/|stateMachine:|execution:)([\w-]+)/g)].map(
      (m) => m[1],
    );
    expect(named.length).toBeGreaterThan(0);
    for (const name of named) expect(name).toMatch(/^acme-prod-/);
    expect(text).not.toContain('stepmr-');
    for (const key of FUNCTIONS) {
      const role = JSON.stringify(Resources[roleLogicalId(key)]);
      expect(role).toContain(`log-group:/aws/lambda/acme-prod-${key}:*`);
      for (const other of FUNCTIONS.filter((k) => k !== key)) {
        expect(role).not.toContain(`/aws/lambda/acme-prod-${other}:`);
      }
    }
    expect(JSON.stringify(Resources[roleLogicalId('stateMachine')])).toContain('stateMachine:acme-prod-jobs');
  });

  it('trusts each service only for this deployment, and logs the state machine to its own group', () => {
    const { Resources } = stackResources({ service: 'acme', stage: 'prod' }) as {
      Resources: Record<string, J>;
    };
    for (const key of [...FUNCTIONS, 'stateMachine' as const]) {
      const [statement, ...others] =
        Resources[roleLogicalId(key)].Properties.AssumeRolePolicyDocument.Statement;
      expect(others).toEqual([]);
      expect(statement.Condition.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    }
    const trust = Resources[roleLogicalId('stateMachine')].Properties.AssumeRolePolicyDocument.Statement[0];
    const sources = (trust.Condition.ArnLike['aws:SourceArn'] as { 'Fn::Sub': string }[]).map(
      (a) => a['Fn::Sub'],
    );
    expect(sources.length).toBeGreaterThan(0);
    for (const arn of sources) expect(arn).toMatch(/:(stateMachine|execution):acme-prod-jobs[/:]?/);
    // The destination serverless.yml's loggingConfig names is a log group of these resources.
    const [groupId] =
      (stateMachineLogging().destinations as { 'Fn::GetAtt': string[] }[])[0]?.['Fn::GetAtt'] ?? [];
    expect(Resources[groupId as string]).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: { LogGroupName: '/aws/vendedlogs/states/acme-prod-jobs' },
    });
  });
});
