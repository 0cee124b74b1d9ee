import type { ClickHouseClient } from '@clickhouse/client';
import type { ClickHouseWriter } from './writer.ts';

/**
 * A batch the sink is about to insert, recorded in `sink_batches` first (a write-ahead
 * intent): which input records it holds and the insert_deduplication_token it carries.
 */
export interface BatchIntent {
  readonly table: string;
  readonly topic: string;
  readonly partition: number;
  /** First and last input offset of `topic`/`partition` in the batch, inclusive. */
  readonly fromOffset: bigint;
  readonly toOffset: bigint;
  readonly token: string;
  readonly rows: number;
}

/** The dedup token of a batch: derived from its content's identity, never reused for other rows. */
export function batchToken(table: string, topic: string, partition: number, fromOffset: bigint, toOffset: bigint): string {
  return `${table}:${topic}:${partition}:${fromOffset}-${toOffset}`;
}

/** Key of the last-intent map: one intent per (topic, table) of a partition. */
export const intentKey = (topic: string, table: string): string => `${topic}\u0000${table}`;

interface IntentRow {
  topic: string;
  partition: number | string;
  table: string;
  last_from: string;
  last_to: string;
  last_token: string;
  last_rows: number | string;
}

/**
 * The `sink_batches` table (migration 006). Intents go through the writer (same retries
 * and backoff as data); reads use the writer's retry policy too, since a task cannot start
 * safely without knowing what it may have inserted before a crash.
 */
export class BatchLog {
  constructor(
    private readonly client: Pick<ClickHouseClient, 'query'>,
    private readonly writer: ClickHouseWriter,
    /** `sink_batches`, qualified with its database when the client's default is another. */
    private readonly table = 'sink_batches',
  ) {}

  /** The last intent per (topic, table) of one input partition. */
  async last(partition: number, topics: readonly string[]): Promise<Map<string, BatchIntent>> {
    const rows = await this.writer.retrying('reading sink_batches', { partition }, async () => {
      const rs = await this.client.query({
        query: `SELECT topic, partition, table,
                  toString(max(to_offset)) AS last_to,
                  toString(argMax(from_offset, to_offset)) AS last_from,
                  argMax(token, to_offset) AS last_token,
                  argMax(rows, to_offset) AS last_rows
                FROM ${this.table}
                WHERE partition = {partition:UInt32} AND topic IN {topics:Array(String)}
                GROUP BY topic, partition, table`,
        query_params: { partition, topics: [...topics] },
        format: 'JSONEachRow',
      });
      return rs.json<IntentRow>();
    });
    const out = new Map<string, BatchIntent>();
    for (const r of rows) {
      out.set(intentKey(r.topic, r.table), {
        table: r.table,
        topic: r.topic,
        partition: Number(r.partition),
        fromOffset: BigInt(r.last_from),
        toOffset: BigInt(r.last_to),
        token: r.last_token,
        rows: Number(r.last_rows),
      });
    }
    return out;
  }

  /** Records intents durably; resolves once ClickHouse acknowledged them. */
  async record(intents: readonly BatchIntent[]): Promise<void> {
    if (intents.length === 0) return;
    const rows = intents.map((i) => ({
      topic: i.topic,
      partition: i.partition,
      table: i.table,
      from_offset: i.fromOffset.toString(),
      to_offset: i.toOffset.toString(),
      token: i.token,
      rows: i.rows,
    }));
    await this.writer.insert(this.table, rows, `sink_batches|${intents.map((i) => i.token).join('|')}`);
  }
}
