import { BUCKET_COUNT } from '../edges/histogram.ts';
import { msToDateTime } from '../clickhouse/time.ts';
import type { MetricsQuery } from './metrics-params.ts';
import { paramError } from './metrics-params.ts';
import { evaluationTimes, slotMs, type MetricSeries, type MetricSlot } from './metrics-series.ts';
import type { QueryClient } from './reader.ts';

/** Rows one metrics query may read back (series × slots with calls); past it, a 400. */
export const MAX_METRIC_ROWS = 200_000;
/** Points one answer may hold (series × evaluation times); past it, a 400. */
export const MAX_ANSWER_POINTS = 2_000_000;
const HOUR_MS = 3_600_000;

interface SlotRow {
  readonly slot: number;
  readonly service: string;
  readonly operation: string;
  readonly calls: string;
  readonly errors: string;
  readonly buckets: Readonly<Record<string, string>>;
}

/**
 * The span-metric sums behind a metrics query: per series and slot (the gcd of step and
 * ratePer) over [first point - ratePer, last point), filtered by service and span kind.
 * Slots of whole hours read the hour rollup, others the minute table; only slots with
 * calls come back (the table has no other rows).
 */
export function metricsSql(q: MetricsQuery): { sql: string; params: Record<string, unknown> } | undefined {
  const times = evaluationTimes(q);
  if (times.length === 0) return undefined;
  const slot = slotMs(q);
  const table = slot % HOUR_MS === 0 ? 'span_metrics_1h' : 'span_metrics';
  const sql = `SELECT intDiv(toUnixTimestamp(window_start), {slotSec:UInt32}) * {slotSec:UInt32} AS slot,
       service, ${q.groupByOperation ? 'operation' : "''"} AS operation,
       sum(calls) AS calls, sum(errors) AS errors, sumMap(duration_buckets) AS buckets
FROM ${table}
WHERE service IN {services:Array(String)} AND toString(kind) IN {kinds:Array(String)}
  AND window_start >= {from:DateTime('UTC')} AND window_start < {to:DateTime('UTC')}
GROUP BY slot, service, operation
ORDER BY service, operation, slot
LIMIT {limit:UInt32}`;
  return {
    sql,
    params: {
      slotSec: slot / 1000, services: [...q.services], kinds: q.spanKinds.map((k) => k.toUpperCase()),
      from: msToDateTime(Math.max(0, (times[0] as number) - q.ratePerMs)), to: msToDateTime(times[times.length - 1] as number),
      limit: MAX_METRIC_ROWS + 1,
    },
  };
}

/** The series of a metrics query, sorted by service then operation. */
export async function readMetricSeries(client: QueryClient, q: MetricsQuery): Promise<MetricSeries[]> {
  const built = metricsSql(q);
  if (built === undefined) return [];
  const rs = await client.query({ query: built.sql, format: 'JSONEachRow', query_params: built.params });
  const rows = await rs.json<SlotRow>();
  if (rows.length > MAX_METRIC_ROWS) throw paramError('lookback', `the range holds more than ${MAX_METRIC_ROWS} series-slots; shorten lookback or use a step and ratePer of whole hours`);
  const out: { service: string; operation?: string; slots: MetricSlot[] }[] = [];
  for (const r of rows) {
    let s = out[out.length - 1];
    if (s === undefined || s.service !== r.service || (s.operation ?? '') !== r.operation) {
      s = { service: r.service, ...(q.groupByOperation ? { operation: r.operation } : {}), slots: [] };
      out.push(s);
    }
    const buckets = new Array<number>(BUCKET_COUNT).fill(0);
    for (const [i, n] of Object.entries(r.buckets)) buckets[Number(i)] = Number(n);
    s.slots.push({ slotMs: Number(r.slot) * 1000, calls: Number(r.calls), errors: Number(r.errors), buckets });
  }
  const points = out.length * evaluationTimes(q).length;
  if (points > MAX_ANSWER_POINTS) throw paramError('step', `${out.length} series × ${evaluationTimes(q).length} points is more than ${MAX_ANSWER_POINTS}; widen step or ask for fewer services`);
  return out;
}
