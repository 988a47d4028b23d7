import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  defineConfig,
  registeredName,
  type ScheduleConfig,
  type StepmrConfig,
} from '../../../framework/deploy/config.js';
import { BUCKET_LAYOUT } from '../../../framework/deploy/layout.js';
import { StepmrError } from '../../../framework/errors.js';
import { defineJob, lines } from '../../../framework/index.js';

const wordcount = defineJob({
  input: lines(),
  map(line, emit) {
    for (const word of line.split(/\s+/)) if (word) emit(word, 1);
  },
  reduce: (_word: string, counts: number[]) => counts.reduce((a, b) => a + b, 0),
});
const nightly: ScheduleConfig = {
  job: 'wordcount',
  schedule: 'cron(0 3 * * ? *)',
  input: ['in/corpus/'],
  output: `${BUCKET_LAYOUT.output}wordcount/{date}/`,
};
const withSchedule = (schedule: Partial<ScheduleConfig>, name = 'nightly'): StepmrConfig => ({
  jobs: { wordcount },
  schedules: { [name]: { ...nightly, ...schedule } },
});

/** The ConfigError defineConfig throws for `config`, which the test expects it to refuse. */
function refusal(config: StepmrConfig): ConfigError {
  try {
    defineConfig(config);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`defineConfig accepted ${JSON.stringify(config)}`);
}

/**
 * EventBridge's rules for a schedule expression, read from its documentation: `rate(n unit)`
 * with n ≥ 1, the unit singular for 1 and plural above; `cron(...)` with six fields and `?` in
 * exactly one of day-of-month and day-of-week.
 */
function eventBridgeTakes(expression: string): boolean {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const n = Number(rate[1]);
    return n >= 1 && (n === 1) === !rate[2]?.endsWith('s');
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (!cron) return false;
  const fields = (cron[1] ?? '').split(' ');
  return fields.length === 6 && fields.every(Boolean) && (fields[2] === '?') !== (fields[4] === '?');
}

describe('defineConfig', () => {
  it('returns a valid config unchanged, and finds a job by its registered name', () => {
    const config = withSchedule({});
    expect(defineConfig(config)).toBe(config);
    expect(registeredName(config, wordcount)).toBe('wordcount');
    expect(registeredName(config, defineJob({ ...wordcount }))).toBeUndefined();
  });

  it('throws ConfigError, a StepmrError whose name Step Functions and callers can match', () => {
    const error = refusal({ jobs: { '1st': wordcount } });
    expect(error).toBeInstanceOf(StepmrError);
    expect(error.name).toBe('ConfigError');
    expect(error.retryable).toBe(false);
  });

  it.each([
    'rate(1 day)',
    'rate(1 minute)',
    'rate(5 minutes)',
    'rate(12 hours)',
    'rate(1 days)',
    'rate(5 minute)',
    'rate(0 days)',
    'rate(1 week)',
    'rate(-1 days)',
    'cron(0 3 * * ? *)',
    'cron(0/15 8-17 ? * MON-FRI *)',
    'cron(0 12 1 * ? 2027)',
    'cron(0 3 * * * *)',
    'cron(0 3 ? * ? *)',
    'cron(0 3 * * ?)',
    'cron(0 3 * * ? * *)',
    'every day',
    'rate(1 day) ',
    '',
  ])('takes %j exactly when EventBridge does, naming the field otherwise', (expression) => {
    const config = withSchedule({ schedule: expression });
    if (eventBridgeTakes(expression)) {
      expect(defineConfig(config)).toBe(config);
    } else {
      expect(refusal(config).message).toContain('stepmr.config.ts: schedules.nightly.schedule: ');
    }
  });

  it('says which unit EventBridge wants for a rate', () => {
    expect(refusal(withSchedule({ schedule: 'rate(5 minute)' })).message).toContain('rate(5 minutes)');
    expect(refusal(withSchedule({ schedule: 'rate(1 hours)' })).message).toContain('rate(1 hour)');
  });

  it('refuses a schedule of a job that is not registered, listing the registered ones', () => {
    const message = refusal(withSchedule({ job: 'wordcont' })).message;
    expect(message).toContain('schedules.nightly');
    expect(message).toContain('"wordcont"');
    expect(message).toContain('(wordcount)');
  });

  it('refuses a schedule with no input, naming the field', () => {
    expect(refusal(withSchedule({ input: [] })).message).toContain('schedules.nightly.input: ');
    expect(refusal(withSchedule({ input: [''] })).message).toContain('schedules.nightly.input.0: ');
  });

  it.each([
    [`${BUCKET_LAYOUT.output}wordcount/{date}/`, true],
    [`/${BUCKET_LAYOUT.output}wordcount/`, true],
    ['s3://data-bucket/out/wordcount/', true],
    ['results/wordcount/', false],
    [`${BUCKET_LAYOUT.work}wordcount/`, false],
    [BUCKET_LAYOUT.output.slice(0, -1), false],
    ['', false],
  ])('takes output %j only under the prefix the functions publish to: %s', (output, ok) => {
    const config = withSchedule({ output });
    if (ok) expect(defineConfig(config)).toBe(config);
    else expect(refusal(config).message).toContain('schedules.nightly.output: ');
  });

  const names: [string, boolean][] = [
    ['wordcount', true],
    ['Word-Count-2', true],
    ['a'.repeat(40), true],
    ['a'.repeat(41), false],
    ['1st', false],
    ['-dash', false],
    ['word count', false],
    ['word_count', false],
    ['', false],
  ];

  it.each(names)('takes job name %j: %s', (name, ok) => {
    const config: StepmrConfig = { jobs: { [name]: wordcount } };
    if (ok) expect(defineConfig(config)).toBe(config);
    else expect(refusal(config).message).toContain(`job name ${JSON.stringify(name)}`);
  });

  it.each(names)('takes schedule name %j: %s', (name, ok) => {
    const config = withSchedule({}, name);
    if (ok) expect(defineConfig(config)).toBe(config);
    else expect(refusal(config).message).toContain(`schedule name ${JSON.stringify(name)}`);
  });

  it('refuses a registry entry that is not a job, naming it', () => {
    const notAJob = { map: () => {} } as unknown as typeof wordcount;
    expect(refusal({ jobs: { wordcount: notAJob } }).message).toContain('jobs.wordcount is not a job');
  });
});
