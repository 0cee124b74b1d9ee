/**
 * Upper bounds (inclusive, ms) of the duration buckets shared by edges, span metrics and
 * the ClickHouse tables: roughly ×2 steps from 0.1 ms to 60 s, like Prometheus' defaults
 * but finer, so p50/p95/p99 read from buckets stay within one bucket's width.
 */
export const DURATION_BOUNDS_MS: readonly number[] = Object.freeze([
  0.1, 0.25, 0.5, 1, 2, 4, 6, 8, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000,
  7500, 10000, 20000, 30000, 60000,
]);

export const BUCKET_COUNT = DURATION_BOUNDS_MS.length + 1;

/**
 * The bounds in whole ns. A duration is compared in ns rather than divided into ms: Number()
 * of a bigint keeps its order against a whole-ns bound, so this picks the same bucket as
 * `Number(ns) / 1e6 <= bound` without the division.
 */
const DURATION_BOUNDS_NS: readonly number[] = DURATION_BOUNDS_MS.map((ms) => Math.round(ms * 1e6));

/** Index of the bucket a duration (ns) falls in; the last index is the overflow bucket. */
export function bucketIndex(durationNanos: bigint): number {
  const ns = Number(durationNanos);
  let lo = 0;
  let hi = DURATION_BOUNDS_NS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ns <= (DURATION_BOUNDS_NS[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function emptyBuckets(): number[] {
  return new Array<number>(BUCKET_COUNT).fill(0);
}

export function mergeBuckets(into: number[], from: readonly number[]): number[] {
  for (let i = 0; i < BUCKET_COUNT; i++) into[i] = (into[i] ?? 0) + (from[i] ?? 0);
  return into;
}
