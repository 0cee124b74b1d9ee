/** How edges and span metrics read a span's time: one rule for both, so they agree. */
import { durationNanos } from '../model/span.ts';
import type { Span } from '../model/span.ts';

/** Start of the span in whole ms since the epoch (floored), the unit windows use. */
export function startMs(span: Span): number {
  return Number(span.startTimeUnixNano / 1_000_000n);
}

/** Duration in ns; an end before the start (clock skew, broken SDK) counts as zero. */
export function safeDuration(span: Span): bigint {
  const d = durationNanos(span);
  return d < 0n ? 0n : d;
}
