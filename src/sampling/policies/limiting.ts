import type { BytesLimitingConfig, RateLimitingConfig } from '../config-policy-types.ts';
import { verdict } from './types.ts';
import type { PolicyEvaluator, TraceView, Verdict } from './types.ts';

/**
 * A token bucket on the caller's clock: `capacity` tokens, refilled continuously at
 * `perSecond`. Starts full. A clock that steps back refills nothing rather than failing.
 */
export class TokenBucket {
  private tokens: number;
  private lastMs: number | undefined;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
  ) {
    this.tokens = capacity;
  }

  /** Takes `cost` tokens if available; all or nothing. */
  take(cost: number, nowMs: number): boolean {
    if (this.lastMs !== undefined && nowMs > this.lastMs) {
      this.tokens = Math.min(this.capacity, this.tokens + ((nowMs - this.lastMs) / 1000) * this.perSecond);
    }
    if (this.lastMs === undefined || nowMs > this.lastMs) this.lastMs = nowMs;
    if (cost > this.tokens) return false;
    this.tokens -= cost;
    return true;
  }
}

/**
 * Keeps traces while their spans fit in `spans_per_second` (bucket of one second's worth).
 * Reports rate 1: what it drops depends on load, so its kept counts are not re-weightable.
 */
export function rateLimiting(name: string, c: RateLimitingConfig): PolicyEvaluator {
  const bucket = new TokenBucket(c.spans_per_second, c.spans_per_second);
  return {
    name,
    evaluate(trace: TraceView, nowMs: number): Verdict {
      const ok = bucket.take(trace.spanCount, nowMs);
      return verdict(ok ? 'sampled' : 'not_sampled', 1, ok ? undefined : 'span rate limit reached');
    },
  };
}

/** Keeps traces while their bytes fit in `bytes_per_second` with `burst_capacity` headroom. */
export function bytesLimiting(name: string, c: BytesLimitingConfig): PolicyEvaluator {
  const bucket = new TokenBucket(c.burst_capacity, c.bytes_per_second);
  return {
    name,
    evaluate(trace: TraceView, nowMs: number): Verdict {
      const ok = bucket.take(trace.byteSize, nowMs);
      return verdict(ok ? 'sampled' : 'not_sampled', 1, ok ? undefined : 'byte rate limit reached');
    },
  };
}
