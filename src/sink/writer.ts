import type { ClickHouseClient } from '@clickhouse/client';
import { createLogger, type Logger } from '../util/log.ts';
import { ClickHouseSinkError, classifyError } from '../clickhouse/errors.ts';

/** What the writer needs from @clickhouse/client; tests pass a fake with the same shape. */
export type InsertClient = Pick<ClickHouseClient, 'insert'>;

export interface WriterOptions {
  readonly client: InsertClient;
  /** Attempts after the first one before giving up (default 8). */
  readonly maxRetries?: number;
  /** First backoff delay (default 100 ms), doubled per attempt up to maxDelayMs (default 10 s). */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Injected so tests control time; default setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** In [0, 1): jitter, the delay is scaled by 0.5 + random / 2 (default Math.random). */
  readonly random?: () => number;
  readonly log?: Logger;
}

/** Live counters, read by the metrics endpoint and by tests. */
export interface WriterMetrics {
  inserts: number;
  rows: number;
  retries: number;
  failures: number;
  lastError: { readonly code: string; readonly message: string; readonly clickhouseCode?: string } | undefined;
}

const TABLE = /^(?:[A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Idempotent batch inserts. Every insert carries `insert_deduplication_token`, so a batch
 * retried after a failure (here, or by the sink after a restart, with the same token)
 * lands once: the tables keep recent tokens (non_replicated_deduplication_window) and
 * `deduplicate_blocks_in_dependent_materialized_views` extends that to the materialized
 * views (traces, trace_id_ts, rollups). The settings go in the INSERT text, not in
 * `clickhouse_settings`: chdb turns those into session-wide SETs that would leak the
 * token into later inserts. A token must identify the batch content (e.g. topic,
 * partition, first and last offset, table), never be reused for different rows.
 */
export class ClickHouseWriter {
  readonly metrics: WriterMetrics = { inserts: 0, rows: 0, retries: 0, failures: 0, lastError: undefined };
  readonly #client: InsertClient;
  readonly #maxRetries: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #log: Logger;

  constructor(opts: WriterOptions) {
    this.#client = opts.client;
    this.#maxRetries = opts.maxRetries ?? 8;
    this.#baseDelayMs = opts.baseDelayMs ?? 100;
    this.#maxDelayMs = opts.maxDelayMs ?? 10_000;
    this.#sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#random = opts.random ?? Math.random;
    this.#log = opts.log ?? createLogger('sink.writer');
  }

  /**
   * Insert `rows` (JSONEachRow-shaped objects, all with the same keys) into `table`,
   * retrying retriable failures with exponential backoff. Resolves once ClickHouse
   * acknowledged the batch (only then may the caller commit its input offsets); rejects
   * with a ClickHouseSinkError otherwise.
   */
  async insert(table: string, rows: readonly object[], dedupToken: string): Promise<void> {
    if (!TABLE.test(table)) throw new ClickHouseSinkError('INVALID_ARGUMENT', `invalid table name ${JSON.stringify(table)}`);
    if (dedupToken === '') throw new ClickHouseSinkError('INVALID_ARGUMENT', 'an empty dedup token would disable deduplication');
    if (rows.length === 0) return;
    const { columns, values } = positional(table, rows);
    const target = `${table} ${columnList(columns)} SETTINGS insert_deduplicate = 1, deduplicate_blocks_in_dependent_materialized_views = 1, insert_deduplication_token = ${quote(dedupToken)}`;
    await this.retrying(`insert into ${table}`, { table, rows: rows.length }, () => this.#client.insert({ table: target, values, format: 'JSONCompactEachRow' }));
    this.metrics.inserts++;
    this.metrics.rows += rows.length;
  }

  /**
   * Runs `op` with the insert retry policy: retriable failures back off exponentially,
   * the rest (and the last attempt) reject with a ClickHouseSinkError. The sink uses it
   * for the reads it cannot proceed without (its batch intents).
   */
  async retrying<T>(what: string, args: Record<string, unknown>, op: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await op();
      } catch (err) {
        const e = classifyError(err);
        this.metrics.lastError = { code: e.code, message: e.message, ...(e.clickhouseCode === undefined ? {} : { clickhouseCode: e.clickhouseCode }) };
        if (!e.retriable || attempt >= this.#maxRetries) {
          this.metrics.failures++;
          this.#log.error(`${what} failed`, { ...args, attempts: attempt + 1 }, e);
          if (e.retriable) throw new ClickHouseSinkError('RETRIES_EXHAUSTED', `${what} failed after ${attempt + 1} attempts: ${e.message}`, { retriable: true, cause: e, ...(e.clickhouseCode === undefined ? {} : { clickhouseCode: e.clickhouseCode }) });
          throw e;
        }
        const delay = this.backoffMs(attempt);
        this.metrics.retries++;
        this.#log.warn(`${what} failed, retrying`, { ...args, attempt: attempt + 1, delayMs: delay }, e);
        await this.#sleep(delay);
      }
    }
  }

  /** Delay before retry number `attempt + 1`: base·2^attempt capped at max, with jitter. */
  backoffMs(attempt: number): number {
    const raw = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** attempt);
    return Math.round(raw * (0.5 + this.#random() / 2));
  }
}

/** A ClickHouse string literal. */
function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `(a, b, ...)` with each name in backquotes (`events.time` names a Nested sub-column). */
export function columnList(columns: readonly string[]): string {
  return `(${columns.map((c) => `\`${c.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``).join(', ')})`;
}

/**
 * Rows as JSONCompactEachRow arrays under one column list: ClickHouse parses them faster
 * than keyed objects, since no key is looked up per value (docs/ARCHITECTURE.md,
 * "Decisions"). Every row must have the first
 * row's keys; a row that differs is a bug in the row builder, reported rather than
 * inserted with shifted columns.
 */
export function positional(table: string, rows: readonly object[]): { columns: string[]; values: unknown[][] } {
  const columns = Object.keys(rows[0] as object);
  const values = rows.map((row, i) => {
    const r = row as Record<string, unknown>;
    if (Object.keys(r).length !== columns.length) {
      throw new ClickHouseSinkError('INVALID_ARGUMENT', `row ${i} for ${table} has columns ${Object.keys(r).join(',')}, expected ${columns.join(',')}`);
    }
    return columns.map((c) => {
      if (!(c in r)) throw new ClickHouseSinkError('INVALID_ARGUMENT', `row ${i} for ${table} lacks column ${c}`);
      return r[c];
    });
  });
  return { columns, values };
}
