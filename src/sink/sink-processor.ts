import type { ClickHouseClient } from '@clickhouse/client';
import type { Cancellable, Processor, ProcessorContext, ProcessorSupplier } from '../streams/processor.ts';
import type { StreamRecord } from '../streams/record.ts';
import { createLogger, type Logger } from '../util/log.ts';
import { BatchLog, intentKey, type BatchIntent } from './batch-log.ts';
import { TableBatcher, type Batch } from './batcher.ts';
import { ClickHouseSinkError } from '../clickhouse/errors.ts';
import { assertIdentifier } from '../clickhouse/template.ts';
import type { SinkMetrics } from './sink-metrics.ts';
import { insertRouteBatch } from './route-insert.ts';
import { sinkRoutes, type SinkRoute, type SinkTopics } from './sink-routes.ts';
import { ClickHouseWriter, type WriterOptions } from './writer.ts';

/** What the sink needs of @clickhouse/client: inserts (through the writer) and one read. */
export type SinkClient = Pick<ClickHouseClient, 'insert' | 'query'>;

export interface ClickHouseSinkOptions {
  readonly topics: SinkTopics;
  readonly client: SinkClient;
  readonly metrics: SinkMetrics;
  /** Database of the tables; default: the client's (openClickHouse makes it the session default). */
  readonly database?: string;
  /** Retry policy of the per-task writer (its client is `client`). */
  readonly writer?: Omit<WriterOptions, 'client' | 'log'>;
  /** Rows of one table that make a batch worth committing now (default 10 000). */
  readonly batchRows?: number;
  /** Wall-clock time after which buffered rows are committed anyway (default 1 000 ms). */
  readonly flushIntervalMs?: number;
  /** Bound on rows buffered by one task across tables (default 50 000). */
  readonly maxBufferedRows?: number;
  readonly logger?: Logger;
  /**
   * Called after every acknowledged data insert, before the offsets are committed. For
   * crash tests only (a test worker kills itself here); production passes nothing.
   */
  readonly afterInsert?: (batch: { readonly table: string; readonly token: string; readonly rows: number }) => void | Promise<void>;
}

interface Slot {
  readonly route: SinkRoute;
  readonly batcher: TableBatcher<unknown>;
}

/**
 * The ClickHouse sink as a processor: buffers rows per table and writes them in its
 * commit() hook, so the runtime commits input offsets only after ClickHouse acknowledged
 * every batch. Exactly-once into ClickHouse: each new batch's intent is recorded in
 * `sink_batches` before its insert, and a restarted task re-cuts the last intent exactly
 * and re-inserts it with the same dedup token (see TableBatcher). The sink keeps no state
 * store, so nothing of it rides on Kafka transactions: it is the same under
 * at-least-once and exactly-once.
 */
export function clickHouseSink(opts: ClickHouseSinkOptions): ProcessorSupplier<unknown, unknown, never, never> {
  return { get: () => new ClickHouseSinkProcessor(opts) };
}

class ClickHouseSinkProcessor implements Processor<unknown, unknown, never, never> {
  private ctx!: ProcessorContext<never, never>;
  private readonly slots = new Map<string, Slot>();
  private readonly writer: ClickHouseWriter;
  private readonly log: Logger;
  private readonly batchLog: BatchLog;
  private readonly batchRows: number;
  private readonly maxBuffered: number;
  private punctuation: Cancellable | undefined;
  private readonly table: (name: string) => string;

  constructor(private readonly opts: ClickHouseSinkOptions) {
    this.log = opts.logger ?? createLogger('sink');
    this.writer = new ClickHouseWriter({ ...opts.writer, client: opts.client, log: this.log.child('writer') });
    const db = opts.database === undefined ? '' : `${assertIdentifier(opts.database, 'database')}.`;
    this.table = (name) => `${db}${name}`;
    this.batchLog = new BatchLog(opts.client, this.writer, this.table('sink_batches'));
    this.batchRows = opts.batchRows ?? 10_000;
    this.maxBuffered = opts.maxBufferedRows ?? 50_000;
  }

  async init(ctx: ProcessorContext<never, never>): Promise<void> {
    this.ctx = ctx;
    const routes = sinkRoutes(this.opts.topics);
    const intents = await this.track('reading batch intents', () => this.batchLog.last(ctx.taskId, routes.map((r) => r.topic)));
    for (const route of routes) {
      const intent = intents.get(intentKey(route.topic, route.table));
      this.slots.set(route.topic, { route, batcher: new TableBatcher(route.table, route.topic, ctx.taskId, intent) });
    }
    this.punctuation = ctx.schedule(this.opts.flushIntervalMs ?? 1_000, 'wall-clock', () => {
      if (this.buffered() > 0 && !this.cutting()) ctx.commit();
    });
    this.updateBuffered();
  }

  process(record: StreamRecord<unknown, unknown>): void {
    const meta = this.ctx.recordMetadata();
    const slot = meta && this.slots.get(meta.topic);
    if (!meta || !slot) throw new ClickHouseSinkError('INVALID_ARGUMENT', `sink: record from unexpected topic ${meta?.topic ?? '(none)'}`);
    const { items, rows } = record.value === null || record.value === undefined ? { items: [], rows: 0 } : slot.route.accept(record.value);
    const pending = slot.batcher.pendingIntent();
    const outcome = slot.batcher.add(BigInt(meta.offset), items, rows);
    if (outcome === 'replay-started') this.log.info('replaying a batch that may have landed before a crash: cutting it at its recorded range', describe(pending));
    if (outcome === 'intent-stale') this.log.debug('last batch intent was committed already', describe(pending));
    this.updateBuffered();
    if (this.cutting()) return;
    if (outcome === 'replay-sealed' || slot.batcher.openRows() >= this.batchRows || this.buffered() >= this.maxBuffered) this.ctx.commit();
  }

  /** Inserts every buffered batch; throwing fails the task's commit (its input is processed again). */
  async commit(): Promise<void> {
    const cutting = [...this.slots.values()].filter((s) => s.batcher.cutting());
    if (cutting.length > 0) {
      const tables = cutting.map((s) => s.route.table).join(', ');
      this.log.info('commit requested while a replayed batch is incomplete: retrying from the last commit', { task: this.ctx.taskId, tables });
      throw new ClickHouseSinkError('REPLAY_INCOMPLETE', `sink task ${this.ctx.taskId}: replayed batch of ${tables} is incomplete`, { retriable: true });
    }
    const taken = [...this.slots.values()].map((s) => ({ route: s.route, ...s.batcher.take() }));
    this.updateBuffered();
    await this.track('inserting batches', async () => {
      for (const t of taken) for (const b of t.replays) await this.insert(t.route, b);
      const fresh = taken.flatMap((t) => (t.fresh ? [{ route: t.route, batch: t.fresh }] : []));
      await this.batchLog.record(fresh.map(({ route, batch }) => this.intentOf(route, batch)));
      for (const f of fresh) await this.insert(f.route, f.batch);
    });
  }

  readyToCommit(): boolean {
    return !this.cutting();
  }

  close(): void {
    this.punctuation?.cancel();
    if (this.punctuation) this.opts.metrics.bufferedRows.remove({ task: this.ctx.taskId });
  }

  /** Inserts a batch into its table and its companions (insertRouteBatch), then counts them. */
  private async insert(route: SinkRoute, batch: Batch<unknown>): Promise<void> {
    const started = this.ctx.currentSystemTimeMs();
    const written = await insertRouteBatch(this.writer, route, batch.items, batch.token, this.table);
    const m = this.opts.metrics;
    m.insertLatencyMs.observe(this.ctx.currentSystemTimeMs() - started, { table: route.table });
    for (const { table, token, rows } of written) {
      m.rowsInserted.inc({ table }, rows);
      m.batches.inc({ table });
      if (batch.replay) m.replayedBatches.inc({ table });
      await this.opts.afterInsert?.({ table, token, rows });
    }
  }

  /** Runs ClickHouse work, keeping the up gauge, retry and failure counters current. */
  private async track<T>(what: string, work: () => Promise<T>): Promise<T> {
    const m = this.opts.metrics;
    const retriesBefore = this.writer.metrics.retries;
    try {
      const out = await work();
      m.clickhouseUp.set(1);
      return out;
    } catch (err) {
      m.clickhouseUp.set(0);
      m.failures.inc();
      this.log.error(`${what} failed: ClickHouse is down or refusing; the task goes back to its last committed offsets and reprocesses (nothing is lost)`, { task: this.ctx.taskId }, err);
      throw err;
    } finally {
      m.retries.inc({}, this.writer.metrics.retries - retriesBefore);
    }
  }

  private intentOf(route: SinkRoute, b: Batch<unknown>): BatchIntent {
    return { table: route.table, topic: route.topic, partition: this.ctx.taskId, fromOffset: b.fromOffset, toOffset: b.toOffset, token: b.token, rows: b.rows };
  }

  private cutting(): boolean {
    for (const s of this.slots.values()) if (s.batcher.cutting()) return true;
    return false;
  }

  private buffered(): number {
    let n = 0;
    for (const s of this.slots.values()) n += s.batcher.rows();
    return n;
  }

  private updateBuffered(): void {
    this.opts.metrics.bufferedRows.set(this.buffered(), { task: this.ctx.taskId });
  }
}

function describe(i: BatchIntent | undefined): Record<string, unknown> {
  return i ? { table: i.table, topic: i.topic, partition: i.partition, from: i.fromOffset, to: i.toOffset, token: i.token } : {};
}
