import { StatusCode, type Span } from './span.ts';

/**
 * How long ClickHouse keeps a trace (sql/migrations: `TTL toDateTime(start_time) + N DAY`),
 * in days; 0 keeps it forever. Traces with an error keep `errorDays`, the others `spansDays`.
 */
export interface Retention {
  readonly spansDays: number;
  readonly errorDays: number;
}

const DAY_NS = 86_400_000_000_000n;
/** The last second ClickHouse's DateTime (UInt32 seconds) holds: the TTL expression wraps past it. */
const DATETIME_MAX_NS = 4_294_967_295n * 1_000_000_000n;
const DATETIME_MAX_TEXT = '2106-02-07T06:28:15Z';

function iso(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${ns} ns`;
}

/**
 * Why the TTL would delete a span as soon as it lands, or `undefined` when it would not:
 * it started more than the retention ago, or so late that `start + retention` (and the
 * trace-id index's `end + retention`) runs past DateTime's end and wraps to 1970.
 * `traceHasError` picks the error retention. One rule for every receiver.
 */
export function retentionProblem(span: Span, path: string, retention: Retention, nowNs: bigint, traceHasError: boolean): string | undefined {
  const days = traceHasError ? retention.errorDays : retention.spansDays;
  if (days === 0) return undefined;
  if (span.startTimeUnixNano + BigInt(days) * DAY_NS <= nowNs) {
    return `${path}.startTimeUnixNano: ${iso(span.startTimeUnixNano)} is older than the ${days}-day retention`;
  }
  const wrap = (field: string, t: bigint, d: number): string | undefined =>
    d > 0 && t + BigInt(d) * DAY_NS > DATETIME_MAX_NS
      ? `${path}.${field}: ${iso(t)} plus the ${d}-day retention is past ${DATETIME_MAX_TEXT}, where ClickHouse's TTL date wraps to 1970`
      : undefined;
  // spans expire on start + days; the trace-id index on end + the longer retention (none if either is 0).
  const lookupDays = retention.spansDays === 0 || retention.errorDays === 0 ? 0 : Math.max(retention.spansDays, retention.errorDays);
  return wrap('startTimeUnixNano', span.startTimeUnixNano, days) ?? wrap('endTimeUnixNano', span.endTimeUnixNano, lookupDays);
}

/** True when any of the spans has an error status: its trace will keep the error retention. */
export function hasErrorSpan(spans: readonly Span[]): boolean {
  return spans.some((s) => s.status.code === StatusCode.ERROR);
}
