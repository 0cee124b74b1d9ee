import { tagCondition, type SqlPart } from './tag-sql.ts';
import type { TraceQuery } from './trace-query.ts';

/**
 * The trace ids a search finds, newest first: spans of the service (the primary key's
 * prefix, so only that service's time range is read) matching every condition, ordered
 * by their newest matching span, as Jaeger's storage orders them. The first row of each
 * trace in `start_time DESC` order is its newest matching span, so LIMIT 1 BY replaces
 * a GROUP BY; ClickHouse then reads the service's key range backwards and stops once it
 * has `limit` traces instead of aggregating the whole range, and without read-ahead
 * buffering the reverse streams stop close to where the limit is met (measurements in
 * docs/ARCHITECTURE.md, "Decisions"). Without a service (api_v3) every service's range
 * in the time span is read and sorted: slower, but bounded by the time range.
 */
export function searchSql(q: TraceQuery): SqlPart {
  const where = [
    "start_time >= fromUnixTimestamp64Nano({startNs:Int64}, 'UTC')",
    "start_time <= fromUnixTimestamp64Nano({endNs:Int64}, 'UTC')",
  ];
  const params: Record<string, unknown> = { startNs: q.startNs.toString(), endNs: q.endNs.toString(), limit: q.limit };
  if (q.service !== undefined) {
    where.unshift('service_name = {service:String}');
    params['service'] = q.service;
  }
  if (q.operation !== undefined) {
    where.push('name = {operation:String}');
    params['operation'] = q.operation;
  }
  if (q.minDurationNs !== undefined) {
    where.push('duration_ns >= {minNs:UInt64}');
    params['minNs'] = q.minDurationNs.toString();
  }
  if (q.maxDurationNs !== undefined) {
    where.push('duration_ns <= {maxNs:UInt64}');
    params['maxNs'] = q.maxDurationNs.toString();
  }
  q.tags.forEach((t, i) => {
    const c = tagCondition(t, i);
    where.push(c.sql);
    Object.assign(params, c.params);
  });
  const sql = `SELECT trace_id, start_time AS newest
FROM spans
WHERE ${where.join('\n  AND ')}
ORDER BY start_time DESC, trace_id
LIMIT 1 BY trace_id
LIMIT {limit:UInt32}
SETTINGS read_in_order_use_buffering = 0`;
  return { sql, params };
}

/**
 * Every span of the given traces. trace_id_ts bounds the time range first (partition and
 * primary-key pruning), then the trace_id bloom filter; LIMIT 1 BY hides copies a replay
 * wrote before the replacing merge collapsed them, but not different spans that share a
 * span id (as sql/queries/trace_by_id.sql does).
 */
export const TRACES_BY_IDS_SQL = `WITH
    (SELECT min(start) FROM trace_id_ts WHERE trace_id IN {ids:Array(String)}) AS lo,
    (SELECT max(end) FROM trace_id_ts WHERE trace_id IN {ids:Array(String)}) AS hi
SELECT *
FROM spans
WHERE trace_id IN {ids:Array(String)} AND start_time >= lo AND start_time <= hi
ORDER BY trace_id, start_time, span_id
LIMIT 1 BY trace_id, span_id, content_hash`;
