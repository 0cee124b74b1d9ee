import { searchSql } from './search-sql.ts';
import type { TraceQuery } from './trace-query.ts';

/** Runs one search statement: rows of `trace_id`, newest first. */
export type SearchRunner = (sql: string, params: Readonly<Record<string, unknown>>) => Promise<readonly { trace_id: string }[]>;

/** The first window's width; each next one is WINDOW_GROWTH times wider. */
export const FIRST_WINDOW_NS = 60_000_000_000n;
export const WINDOW_GROWTH = 4n;

/** The service's newest and oldest span starts in [startNs, endNs] (each read in key order, one granule per part). */
export const SPAN_RANGE_SQL = `WITH {service:String} AS svc,
    fromUnixTimestamp64Nano({startNs:Int64}, 'UTC') AS lo,
    fromUnixTimestamp64Nano({endNs:Int64}, 'UTC') AS hi
SELECT
    (SELECT toString(toUnixTimestamp64Nano(start_time)) FROM spans WHERE service_name = svc AND start_time >= lo AND start_time <= hi
     ORDER BY start_time DESC LIMIT 1) AS newest_ns,
    (SELECT toString(toUnixTimestamp64Nano(start_time)) FROM spans WHERE service_name = svc AND start_time >= lo AND start_time <= hi
     ORDER BY start_time LIMIT 1) AS oldest_ns
SETTINGS read_in_order_use_buffering = 0`;

/** What SPAN_RANGE_SQL found: undefined when the service has no span in the range. */
export interface SpanRange {
  readonly newestNs: bigint;
  readonly oldestNs: bigint;
}

/**
 * Trace ids of a search with a service, newest first, found in time windows that reach
 * back from the service's newest span: one minute, then each window four times wider,
 * until `limit` traces are found or the service's oldest span in the range is passed.
 * One statement over the whole range reads, in every part that overlaps it, backwards until that part yields a
 * match, so a rare tag cost every part's range; a window lets ClickHouse skip the parts
 * and granules outside it. Windows are disjoint and descending, so a trace first found in
 * a window has its newest matching span there: the ids and their order are those of the
 * single statement.
 */
export async function windowedTraceIds(q: TraceQuery, run: SearchRunner, range: SpanRange | undefined): Promise<string[]> {
  if (range === undefined) return [];
  const start = range.oldestNs > q.startNs ? range.oldestNs : q.startNs;
  const found: string[] = [];
  const seen = new Set<string>();
  // The first window keeps the range's end (nothing of the service is newer than newestNs);
  // each next one ends 1 ns before the last one started (times are whole nanoseconds).
  let endNs = q.endNs;
  let lo = range.newestNs < q.endNs ? range.newestNs : q.endNs;
  let width = FIRST_WINDOW_NS;
  for (;;) {
    // The last window takes all that is left once that is less than four windows' width.
    lo = lo - width * WINDOW_GROWTH + 1n > start ? lo - width + 1n : start;
    // Each window asks for `limit` traces: those already found may take some of the rows.
    const { sql, params } = searchSql({ ...q, startNs: lo === start ? q.startNs : lo, endNs });
    for (const { trace_id } of await run(sql, params)) {
      if (seen.has(trace_id)) continue;
      seen.add(trace_id);
      found.push(trace_id);
      if (found.length === q.limit) return found;
    }
    if (lo === start) return found;
    endNs = lo - 1n;
    lo = endNs;
    width *= WINDOW_GROWTH;
  }
}
