import type { ClickHouseClient } from '@clickhouse/client';
import type { Counter, Gauge, MetricsRegistry } from '../metrics/registry.ts';
import { assertIdentifier } from '../clickhouse/template.ts';
import type { Logger } from '../util/log.ts';
import { nextDrop, type PartitionInfo } from './partition-plan.ts';

export interface ClickHouseBudgetOptions {
  readonly client: Pick<ClickHouseClient, 'query' | 'command'>;
  readonly database: string;
  /** Bytes the database's tables may hold on disk. */
  readonly budgetBytes: number;
  /** Share of the budget above which partitions are dropped (default 0.9): room for the next day's parts and merges. */
  readonly highWater?: number;
  readonly registry: MetricsRegistry;
  readonly log: Logger;
}

/**
 * Keeps the ClickHouse data under a disk budget by dropping whole partitions, oldest
 * first and spans before aggregates (see partition-plan.ts). A dropped partition is gone
 * in one cheap metadata operation, unlike a DELETE; every drop is counted per table and
 * logged with what went.
 */
export class ClickHouseDiskBudget {
  private readonly bytes: Gauge;
  private readonly dropped: Counter;
  private readonly droppedBytes: Counter;
  private readonly db: string;
  private warnedNothingLeft = false;

  constructor(private readonly opts: ClickHouseBudgetOptions) {
    this.db = assertIdentifier(opts.database, 'database');
    this.bytes = opts.registry.gauge('tailstream_clickhouse_disk_bytes', 'Bytes the tailstream tables hold on disk (active parts), checked against CLICKHOUSE_DISK_BUDGET_BYTES');
    this.dropped = opts.registry.counter('tailstream_clickhouse_budget_dropped_partitions_total', 'Partitions dropped to stay under the ClickHouse disk budget, per table');
    this.droppedBytes = opts.registry.counter('tailstream_clickhouse_budget_dropped_bytes_total', 'Bytes of the partitions dropped to stay under the ClickHouse disk budget, per table');
  }

  /** Drops partitions until the data is under the high-water mark or nothing may go; returns what went. */
  async enforce(): Promise<PartitionInfo[]> {
    const limit = this.opts.budgetBytes * (this.opts.highWater ?? 0.9);
    const gone: PartitionInfo[] = [];
    for (;;) {
      const parts = await this.partitions();
      const used = parts.reduce((n, p) => n + p.bytes, 0);
      this.bytes.set(used);
      if (used <= limit) {
        this.warnedNothingLeft = false;
        return gone;
      }
      const plan = nextDrop(parts);
      if (plan === undefined) {
        if (!this.warnedNothingLeft) this.opts.log.error('over the ClickHouse disk budget with only the newest partitions left: nothing more to drop', { usedBytes: used, budgetBytes: this.opts.budgetBytes });
        this.warnedNothingLeft = true;
        return gone;
      }
      for (const p of plan.drops) {
        await this.opts.client.command({ query: `ALTER TABLE ${this.db}.${assertIdentifier(p.table, 'table')} DROP PARTITION ID {id:String}`, query_params: { id: p.partitionId } });
        this.dropped.inc({ table: p.table });
        this.droppedBytes.inc({ table: p.table }, p.bytes);
        gone.push(p);
        this.opts.log.warn(`disk budget: dropped partition ${p.partition} of ${p.table}`, { table: p.table, partition: p.partition, bytes: p.bytes, rows: p.rows, usedBytes: used, budgetBytes: this.opts.budgetBytes });
      }
    }
  }

  private async partitions(): Promise<PartitionInfo[]> {
    const rs = await this.opts.client.query({
      query: `SELECT table, partition, partition_id, toString(sum(bytes_on_disk)) AS bytes, toString(sum(rows)) AS rows
              FROM system.parts WHERE active AND database = {db:String} GROUP BY table, partition, partition_id`,
      query_params: { db: this.db },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ table: string; partition: string; partition_id: string; bytes: string; rows: string }>();
    return rows.map((r) => ({ table: r.table, partition: r.partition, partitionId: r.partition_id, bytes: Number(r.bytes), rows: Number(r.rows) }));
  }
}
