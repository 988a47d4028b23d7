import { StreamDefinitionError } from './errors.js';

const UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

/**
 * Reads a duration in milliseconds: `'10s'`, `'1 minute'`, `'5 minutes'`, `'2h'`, or a number
 * of milliseconds.
 *
 * @example
 * ```ts
 * parseDuration('1 minute'); // 60000
 * parseDuration('10s'); // 10000
 * ```
 */
export function parseDuration(text: string | number): number {
  if (typeof text === 'number' && Number.isSafeInteger(text) && text > 0) return text;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(String(text));
  const unit = match ? UNITS[(match[2] ?? '').toLowerCase()] : undefined;
  const ms = match && unit !== undefined ? Number(match[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new StreamDefinitionError(
      `invalid duration ${JSON.stringify(text)}: write a positive number with a unit, such as 10s, 1 minute, 5 minutes or 2h`,
    );
  }
  return ms;
}

/**
 * The EventBridge schedule expression for a period: whole minutes, hours or days, at least
 * `rate(1 minute)` (EventBridge's finest), rounded up to the next whole minute.
 *
 * @example
 * ```ts
 * rateExpression(10_000); // 'rate(1 minute)'
 * rateExpression(7_200_000); // 'rate(2 hours)'
 * ```
 */
export function rateExpression(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  const [value, unit] =
    minutes % 1440 === 0
      ? [minutes / 1440, 'day']
      : minutes % 60 === 0
        ? [minutes / 60, 'hour']
        : [minutes, 'minute'];
  return `rate(${value} ${value === 1 ? unit : `${unit}s`})`;
}
