/**
 * Where adaptive sampling reads and writes: per-operation counts from `span_metrics`, and
 * the computed probabilities in `sampling_probabilities` (migration 010).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { opKey } from './adaptive-calc.ts';

const toSeconds = (ms: number): number => Math.floor(ms / 1000);

export interface ProbabilityRow {
  readonly service: string;
  readonly operation: string;
  readonly probability: number;
  readonly qps: number;
}

export class AdaptiveStore {
  constructor(
    private readonly client: Pick<ClickHouseClient, 'query' | 'insert'>,
    private readonly database: string,
  ) {}

  /** Calls per operation in the window, and every operation seen in the `recentWindows` up to it. */
  async counts(windowStartMs: number, recentWindows: number): Promise<{ counts: Map<string, number>; recent: Set<string> }> {
    const rs = await this.client.query({
      query: `SELECT service, operation, toString(sumIf(calls, window_start = toDateTime({w:UInt32}, 'UTC'))) AS calls
              FROM ${this.database}.span_metrics
              WHERE window_start >= toDateTime({from:UInt32}, 'UTC') AND window_start <= toDateTime({w:UInt32}, 'UTC')
              GROUP BY service, operation`,
      query_params: { w: toSeconds(windowStartMs), from: toSeconds(windowStartMs) - (recentWindows - 1) * 60 },
      format: 'JSONEachRow',
    });
    const counts = new Map<string, number>();
    const recent = new Set<string>();
    for (const r of await rs.json<{ service: string; operation: string; calls: string }>()) {
      const key = opKey(r.service, r.operation);
      recent.add(key);
      if (r.calls !== '0') counts.set(key, Number(r.calls));
    }
    return { counts, recent };
  }

  /** The newest computation strictly before `beforeMs` (all windows when unset): its window and rows. */
  async latest(beforeMs?: number): Promise<{ windowStartMs: number; rows: ProbabilityRow[] } | undefined> {
    const bound = beforeMs === undefined ? '' : `WHERE window_start < toDateTime({before:UInt32}, 'UTC')`;
    const rs = await this.client.query({
      query: `SELECT toUnixTimestamp(window_start) AS w, service, operation, probability, qps
              FROM ${this.database}.sampling_probabilities FINAL
              WHERE window_start = (SELECT max(window_start) FROM ${this.database}.sampling_probabilities ${bound})
              ORDER BY service, operation`,
      query_params: beforeMs === undefined ? {} : { before: toSeconds(beforeMs) },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ w: number; service: string; operation: string; probability: number; qps: number }>();
    const first = rows[0];
    if (first === undefined) return undefined;
    return { windowStartMs: Number(first.w) * 1000, rows: rows.map((r) => ({ service: r.service, operation: r.operation, probability: Number(r.probability), qps: Number(r.qps) })) };
  }

  /** Writes one window's probabilities; a second write of the same window is deduplicated. */
  async write(windowStartMs: number, rows: readonly ProbabilityRow[]): Promise<void> {
    if (rows.length === 0) return;
    const w = toSeconds(windowStartMs);
    await this.client.insert({
      table: `${this.database}.sampling_probabilities`,
      values: rows.map((r) => ({ window_start: w, service: r.service, operation: r.operation, probability: r.probability, qps: r.qps })),
      format: 'JSONEachRow',
      clickhouse_settings: { insert_deduplicate: 1, insert_deduplication_token: `sampling_probabilities|${w}` },
    });
  }
}
