import { describe, expect, expectTypeOf, it } from 'vitest';
import { defineJob, type Emit, isJob, jsonLines, lines } from '../../../framework/index.js';

describe('defineJob', () => {
  it('infers keys and values from reduce, and checks map’s emit against them', () => {
    const job = defineJob({
      input: lines(),
      map(line, emit) {
        expectTypeOf(line).toEqualTypeOf<string>();
        expectTypeOf(emit).toEqualTypeOf<Emit<string, number>>();
        emit(line, line.length);
        // @ts-expect-error a number key where reduce says string
        emit(1, 1);
        // @ts-expect-error a string value where reduce says number
        emit(line, 'x');
      },
      reduce: (_key: string, lengths: number[]) => ({ longest: Math.max(...lengths) }),
    });
    type Reduce = NonNullable<typeof job.reduce>;
    expectTypeOf<Parameters<Reduce>>().toEqualTypeOf<[string, number[]]>();
    expectTypeOf<ReturnType<Reduce>>().toEqualTypeOf<{ longest: number }>();
  });

  it('types records from the input format', () => {
    defineJob({
      input: jsonLines<{ user: string; ms: number }>(),
      map(event, emit: Emit<[string, boolean], number>) {
        expectTypeOf(event).toEqualTypeOf<{ user: string; ms: number }>();
        emit([event.user, event.ms > 1000], event.ms);
      },
    });
  });

  it('marks what it makes as a job, and nothing else', () => {
    const job = defineJob({ input: lines(), map: (_l: string, emit: Emit<string, number>) => emit('n', 1) });
    expect(isJob(job)).toBe(true);
    expect(isJob({ input: lines(), map: () => undefined })).toBe(false);
    expect(Object.isFrozen(job)).toBe(true);
  });
});
