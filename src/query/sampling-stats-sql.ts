import type { ClickHouseClient } from '@clickhouse/client';
import { secondsToDateTime } from '../clickhouse/time.ts';

/** One row of `sampling_decisions` (or a rollup), summed per bucket and key. */
export interface DecisionBucketRow {
  /** Bucket start, ms since the epoch. */
  readonly t: number;
  readonly policy: string;
  readonly service: string;
  readonly reason: string;
  readonly targetKind: string;
  readonly target: number;
  readonly traces: number;
  readonly tracesKept: number;
  readonly spans: number;
  readonly spansKept: number;
}

/** The table read for a bucket length: minute rows, or the hour / day rollups. */
export const STEP_TABLES = { 60_000: 'sampling_decisions', 3_600_000: 'sampling_decisions_1h', 86_400_000: 'sampling_decisions_1d' } as const;
export type StepMs = keyof typeof STEP_TABLES;

const sql = (table: string): string => `
SELECT toUnixTimestamp(window_start) * 1000 AS t, policy, service, reason, target_kind, target,
       sum(traces) AS traces, sum(traces_kept) AS traces_kept, sum(spans) AS spans, sum(spans_kept) AS spans_kept
FROM ${table}
WHERE window_start >= {from:DateTime('UTC')} AND window_start < {to:DateTime('UTC')}
  AND ({service:String} = '' OR service = {service:String})
  AND ({policy:String} = '' OR policy = {policy:String})
GROUP BY t, policy, service, reason, target_kind, target
ORDER BY t, policy, service, reason`;

/** Decision counts in [fromMs, toMs) at `stepMs` resolution, optionally for one service / policy. */
export async function readDecisionBuckets(
  client: ClickHouseClient,
  q: { fromMs: number; toMs: number; stepMs: StepMs; service: string; policy: string },
): Promise<DecisionBucketRow[]> {
  const rs = await client.query({
    query: sql(STEP_TABLES[q.stepMs]),
    format: 'JSONEachRow',
    query_params: { from: secondsToDateTime(q.fromMs / 1000), to: secondsToDateTime(q.toMs / 1000), service: q.service, policy: q.policy },
  });
  const rows = await rs.json<Record<string, string | number>>();
  return rows.map((r) => ({
    t: Number(r['t']),
    policy: String(r['policy']),
    service: String(r['service']),
    reason: String(r['reason']),
    targetKind: String(r['target_kind']),
    target: Number(r['target']),
    traces: Number(r['traces']),
    tracesKept: Number(r['traces_kept']),
    spans: Number(r['spans']),
    spansKept: Number(r['spans_kept']),
  }));
}
