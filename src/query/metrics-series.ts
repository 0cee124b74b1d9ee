import { BUCKET_COUNT, DURATION_BOUNDS_MS, emptyBuckets } from '../edges/histogram.ts';
import type { MetricsQuery } from './metrics-params.ts';

/** Span-metric sums of one series (service, or service and operation) over one slot of time. */
export interface MetricSlot {
  /** Slot start, ms since the epoch. */
  readonly slotMs: number;
  readonly calls: number;
  readonly errors: number;
  /** Counts per duration bucket (DURATION_BOUNDS_MS, last = overflow). */
  readonly buckets: readonly number[];
}

export interface MetricSeries {
  readonly service: string;
  /** Set when the query groups by operation. */
  readonly operation?: string;
  /** Ascending by slotMs. */
  readonly slots: readonly MetricSlot[];
}

export type MetricRequest = { readonly metric: 'calls' } | { readonly metric: 'errors' } | { readonly metric: 'latencies'; readonly quantile: number };

/**
 * When a series is evaluated: every multiple of step in [endTs - lookback, endTs], each
 * point the value over the rate window [t - ratePer, t) of whole span-metric windows.
 * Epoch-aligned points make every point cover exactly ratePer of complete minutes.
 */
export function evaluationTimes(q: MetricsQuery): number[] {
  const out: number[] = [];
  for (let t = Math.ceil((q.endMs - q.lookbackMs) / q.stepMs) * q.stepMs; t <= q.endMs; t += q.stepMs) out.push(t);
  return out;
}

/** Slot length: every rate window's edges fall on multiples of it. */
export function slotMs(q: MetricsQuery): number {
  let a = q.stepMs;
  let b = q.ratePerMs;
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * Prometheus' histogram_quantile over our buckets: the rank's bucket, linear inside it
 * (the first bucket starts at 0); a rank in the overflow bucket answers the last finite
 * bound. Exact to within the width of the bucket holding the rank. NaN without calls.
 */
export function bucketQuantile(counts: readonly number[], q: number): number {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let before = 0;
  for (let b = 0; b < BUCKET_COUNT; b++) {
    const c = counts[b] ?? 0;
    if (c > 0 && before + c >= rank) {
      const last = DURATION_BOUNDS_MS.length;
      if (b === last) return DURATION_BOUNDS_MS[last - 1] as number;
      const lower = b === 0 ? 0 : (DURATION_BOUNDS_MS[b - 1] as number);
      const upper = DURATION_BOUNDS_MS[b] as number;
      return lower + ((upper - lower) * (rank - before)) / c;
    }
    before += c;
  }
  return Number.NaN;
}

/**
 * One value per evaluation time, from a sliding sum over the series' slots (each slot is
 * added once and removed once): calls per second, errors / calls, or the quantile in ms.
 */
export function seriesValues(slots: readonly MetricSlot[], times: readonly number[], ratePerMs: number, req: MetricRequest): number[] {
  let calls = 0;
  let errors = 0;
  const buckets = emptyBuckets();
  const fold = (s: MetricSlot, sign: 1 | -1): void => {
    calls += sign * s.calls;
    errors += sign * s.errors;
    for (let i = 0; i < BUCKET_COUNT; i++) buckets[i] = (buckets[i] as number) + sign * (s.buckets[i] ?? 0);
  };
  let added = 0;
  let dropped = 0;
  return times.map((t) => {
    for (; added < slots.length && (slots[added] as MetricSlot).slotMs < t; added++) fold(slots[added] as MetricSlot, 1);
    for (; dropped < added && (slots[dropped] as MetricSlot).slotMs < t - ratePerMs; dropped++) fold(slots[dropped] as MetricSlot, -1);
    if (req.metric === 'calls') return calls / (ratePerMs / 1000);
    if (req.metric === 'errors') return calls === 0 ? Number.NaN : errors / calls;
    return bucketQuantile(buckets, req.quantile);
  });
}
