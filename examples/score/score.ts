/** An applicant, as the scoring job sends it. */
export interface Applicant {
  readonly id: string;
  readonly income: number;
  readonly debt: number;
  readonly years: number;
}

/**
 * The example credit score of an applicant, 300 to 850: more income, less debt and a longer
 * history score higher. A plain function, so the example job's tests can recompute it.
 *
 * @example
 * ```ts
 * scoreOf({ id: 'a1', income: 52000, debt: 9000, years: 6 }); // 681
 * ```
 */
export function scoreOf(a: Applicant): number {
  const ratio = a.income > 0 ? Math.min(1, a.debt / a.income) : 1;
  const raw = 300 + 350 * (1 - ratio) + Math.min(a.years, 20) * 10;
  return Math.max(300, Math.min(850, Math.round(raw)));
}

/** Whether a value is an applicant the service can score. */
export function isApplicant(value: unknown): value is Applicant {
  const a = value as Partial<Applicant> | null;
  return (
    typeof a?.id === 'string' &&
    [a.income, a.debt, a.years].every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)
  );
}
