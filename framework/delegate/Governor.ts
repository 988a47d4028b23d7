import type { CallDeps } from './deps.js';
import type { ResolvedPolicy } from './policy.js';

/**
 * How a call went, for the adaptive limit.
 *
 * @example
 * ```ts
 * permit.release(response.status === 429 ? 'throttled' : 'ok');
 * ```
 */
export type CallOutcome = 'ok' | 'throttled' | 'neutral';

/**
 * The right to make one call; release it exactly once, with the call's outcome.
 *
 * @example
 * ```ts
 * const permit = await governor.acquire(signal);
 * try { await call(); permit.release('ok'); } catch { permit.release('neutral'); }
 * ```
 */
export interface Permit {
  release(outcome: CallOutcome): void;
}

/**
 * What the governor has seen.
 *
 * @example
 * ```ts
 * const { limit, throttled } = governor.stats();
 * ```
 */
export interface GovernorStats {
  /** The adaptive concurrency limit now (the ceiling when not adaptive). */
  readonly limit: number;
  /** Most calls ever in flight at once. */
  readonly maxInFlight: number;
  /** Calls released as throttled (429, 503, Lambda throttling). */
  readonly throttled: number;
  /** Times the limit was cut. */
  readonly cuts: number;
}

/** The adaptive limit starts here (or at the ceiling, if lower) and doubles per window until a throttle. */
const INITIAL_LIMIT = 8;
/** A throttle multiplies the limit by this. */
const DECREASE = 0.7;

interface Waiter {
  grant(permit: Permit): void;
}

/**
 * The rate and concurrency governor shared by every call of a run. It admits a call when
 * fewer than `limit` are in flight, when the token bucket holds a token (bursts of at most
 * 1/20 s worth of `ratePerSecond`; it starts full, or one burst short of empty when the policy's
 * `rateStart` is `'paced'`) and when fewer than `ratePerSecond` calls started in the last
 * second. Admission is first come, first served.
 *
 * Adaptive concurrency (AIMD, as TCP): the limit starts at 8, doubles per window of
 * successes until the first throttle, then grows by one per window of successes (a window is
 * `limit` calls) up to the ceiling; a 429 or 503 multiplies it by 0.7 (down to 1), once per
 * window: throttles of calls admitted before the last cut do not cut again.
 *
 * @example
 * ```ts
 * const governor = new Governor(resolvePolicy({ concurrency: 64, ratePerSecond: 100 }), callDeps());
 * const permit = await governor.acquire();
 * permit.release('ok');
 * ```
 */
export class Governor {
  private limitNow: number;
  private threshold: number;
  private inFlight = 0;
  private epoch = 0;
  private readonly queue: Waiter[] = [];
  private tokens: number;
  private lastRefill: number;
  private readonly burst: number;
  private readonly starts: number[] = [];
  private readonly logSize: number;
  private readonly logWindowMs: number;
  private timer = false;
  private maxInFlight = 0;
  private throttled = 0;
  private cuts = 0;

  constructor(
    private readonly policy: ResolvedPolicy,
    private readonly deps: Pick<CallDeps, 'now' | 'sleep'>,
  ) {
    this.limitNow = policy.adaptive ? Math.min(policy.concurrency, INITIAL_LIMIT) : policy.concurrency;
    this.threshold = policy.concurrency;
    const rate = policy.ratePerSecond;
    this.burst = Number.isFinite(rate) ? Math.max(1, Math.floor(rate / 20)) : 0;
    // Paced: one burst short, so that with the burst the run before may have made at its end,
    // this run's first second holds no more than the rate allows.
    this.tokens = policy.rateStart === 'paced' ? -this.burst : this.burst;
    this.lastRefill = deps.now();
    this.logSize = Number.isFinite(rate) ? Math.max(1, Math.floor(rate)) : 0;
    this.logWindowMs = Number.isFinite(rate) ? (this.logSize * 1000) / rate : 0;
  }

  /** Waits for the right to make one call; rejects with the signal's reason if it aborts first. */
  acquire(signal?: AbortSignal): Promise<Permit> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Permit>((resolve, reject) => {
      const onAbort = () => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        grant: (permit) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(permit);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
      this.pump();
    });
  }

  /** What the governor has seen so far. */
  stats(): GovernorStats {
    return {
      limit: Math.floor(this.limitNow),
      maxInFlight: this.maxInFlight,
      throttled: this.throttled,
      cuts: this.cuts,
    };
  }

  private pump(): void {
    while (this.queue.length > 0 && this.inFlight < Math.floor(this.limitNow)) {
      const wait = this.rateWaitMs();
      if (wait > 0) {
        this.wake(wait);
        return;
      }
      const waiter = this.queue.shift() as Waiter;
      waiter.grant(this.permit());
    }
  }

  /** 0 when the rate allows a call now (and takes its token), else how long to wait. */
  private rateWaitMs(): number {
    if (this.burst === 0) return 0;
    const now = this.deps.now();
    const rate = this.policy.ratePerSecond;
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.lastRefill) * rate) / 1000);
    this.lastRefill = now;
    const oldest = this.starts.length === this.logSize ? (this.starts[0] as number) : undefined;
    const logWait = oldest === undefined ? 0 : oldest + this.logWindowMs - now;
    const tokenWait = this.tokens >= 1 ? 0 : ((1 - this.tokens) * 1000) / rate;
    const wait = Math.max(logWait, tokenWait);
    if (wait > 0) return wait;
    this.tokens -= 1;
    if (this.starts.length === this.logSize) this.starts.shift();
    this.starts.push(now);
    return 0;
  }

  private wake(ms: number): void {
    if (this.timer) return;
    this.timer = true;
    void this.deps.sleep(Math.ceil(ms)).then(() => {
      this.timer = false;
      this.pump();
    });
  }

  private permit(): Permit {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const epoch = this.epoch;
    // Demand filled the limit when this call started (or calls wait when it ends): only then
    // does its success say the limit could be higher (a run with fewer calls than the limit
    // must not inflate it).
    const saturated = this.inFlight + this.queue.length >= Math.floor(this.limitNow);
    let released = false;
    return {
      release: (outcome) => {
        if (released) return;
        released = true;
        this.inFlight -= 1;
        this.adapt(outcome, epoch, saturated || this.queue.length > 0);
        this.pump();
      },
    };
  }

  private adapt(outcome: CallOutcome, epoch: number, saturated: boolean): void {
    if (outcome === 'throttled') this.throttled += 1;
    if (!this.policy.adaptive) return;
    if (outcome === 'throttled' && epoch === this.epoch) {
      this.epoch += 1;
      this.cuts += 1;
      this.limitNow = Math.max(1, Math.floor(this.limitNow * DECREASE));
      this.threshold = this.limitNow;
    } else if (outcome === 'ok' && saturated) {
      const step = this.limitNow < this.threshold ? 1 : 1 / Math.floor(this.limitNow);
      this.limitNow = Math.min(this.policy.concurrency, this.limitNow + step);
    }
  }
}
