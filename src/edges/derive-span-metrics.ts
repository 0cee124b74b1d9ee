/** RED inputs (rate, errors, duration) from every span of a trace, sampled or not. */
import { serviceName, StatusCode } from '../model/span.ts';
import type { Span } from '../model/span.ts';
import { safeDuration, startMs } from './timing.ts';
import type { SpanObservation } from './types.ts';

/**
 * One observation per span, in input order. Every span counts — not only entry spans —
 * so per-operation latency exists for internal and client work too; dashboards filter on
 * `kind`. Duplicates are not removed here: RED counts what was reported, and the
 * trace buffer already keys spans by id.
 */
export function deriveSpanMetrics(spans: readonly Span[]): SpanObservation[] {
  return spans.map((span) => ({
    service: serviceName(span),
    operation: span.name,
    kind: span.kind,
    statusCode: span.status.code,
    timestampMs: startMs(span),
    durationNanos: safeDuration(span),
    error: span.status.code === StatusCode.ERROR,
  }));
}
