import { foldEdges, foldMetrics } from '../../edges/fold.ts';
import type { DependencyEdge, EdgeObservation, SpanMetrics, SpanObservation } from '../../edges/types.ts';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../../streams/processor.ts';
import { isFatal } from '../../streams/processing-errors.ts';
import { StreamRecord } from '../../streams/record.ts';
import type { Observations } from './commands.ts';
import { deadLetterRow } from './dead-letter-trace.ts';
import type { AssemblyOptions } from './options.ts';
import { TaskStateBudget } from './state-budget.ts';
import { openStore, STORE_SPECS } from './stores.ts';
import { WindowStore } from './window-store.ts';

/** Observations held before they are folded into the store (at the latest on commit). */
const MAX_PENDING = 20_000;

/**
 * Folds span and edge observations into per-task one-minute windows in RocksDB and emits
 * each window's rows once it is closed (partial sums; the ClickHouse tables add them up).
 * Observations are folded once per commit, not per record or tick: each row is read and
 * written once per commit however many traces touched it (a tick folds only when a window
 * closes, so its row includes them). Observations of a window already taken (late spans, or
 * a backlog read long after it was sent) are not stored: each fold emits them straight away
 * as partial rows, one per key, so catching up costs neither store writes nor a row per tick.
 */
type WindowOptions = Pick<AssemblyOptions, 'tickMs' | 'windowMs' | 'windowFlushDelayMs' | 'children' | 'stateBudget'>;

export function aggregateWindows(opts: WindowOptions): ProcessorSupplier<string, Observations, string, unknown> {
  return {
    stores: [STORE_SPECS.windows],
    get: () => new AggregateWindows(opts),
  };
}

class AggregateWindows implements Processor<string, Observations, string, unknown> {
  private ctx: ProcessorContext<string, unknown> | undefined;
  private windows: WindowStore | undefined;
  private spans: SpanObservation[] = [];
  private edges: EdgeObservation[] = [];
  /** Windows before this start were taken: their observations are emitted, not stored. */
  private takenBeforeMs = 0;
  private budget: TaskStateBudget | undefined;

  constructor(private readonly opts: WindowOptions) {}

  init(ctx: ProcessorContext<string, unknown>): void {
    this.ctx = ctx;
    if (this.opts.stateBudget) this.budget = TaskStateBudget.of(ctx, this.opts.stateBudget);
    this.windows = new WindowStore(openStore(ctx, STORE_SPECS.windows), this.opts.windowMs);
    ctx.schedule(this.opts.tickMs, 'wall-clock', (now) => this.flush(now));
  }


  async process(record: StreamRecord<string, Observations>): Promise<void> {
    const o = record.value;
    if ('spans' in o) for (const x of o.spans) this.spans.push(x);
    else for (const x of o.edges) this.edges.push(x);
    if (this.spans.length + this.edges.length >= MAX_PENDING) await this.fold(this.ready().ctx.currentSystemTimeMs());
  }

  async commit(): Promise<void> {
    await this.fold(this.ready().ctx.currentSystemTimeMs());
  }

  private async fold(now: number): Promise<void> {
    const { windows } = this.ready();
    const before = this.takenBeforeMs;
    const spans = this.spans;
    const edges = this.edges;
    this.spans = [];
    this.edges = [];
    const late = (x: { timestampMs: number }): boolean => x.timestampMs < before;
    const lateSpans = spans.filter(late);
    const lateEdges = edges.filter(late);
    const openSpans = lateSpans.length === 0 ? spans : spans.filter((x) => !late(x));
    const openEdges = lateEdges.length === 0 ? edges : edges.filter((x) => !late(x));
    if (openSpans.length > 0) await windows.addSpanMetrics(openSpans);
    if (openEdges.length > 0) await windows.addEdges(openEdges);
    if (lateSpans.length + lateEdges.length > 0) {
      await this.emit([...foldEdges(lateEdges, this.opts.windowMs).values()], [...foldMetrics(lateSpans, this.opts.windowMs).values()], now);
    }
  }

  private async flush(now: number): Promise<void> {
    const { windows } = this.ready();
    // Over the state's disk budget every window goes now, the open one as partial sums.
    const early = this.budget?.windowsEarly === true;
    const delay = early ? -this.opts.windowMs : this.opts.windowFlushDelayMs;
    const firstOpen = windows.firstOpenWindow(now, delay);
    // Pending observations wait for the commit unless a window closes now (its row should
    // hold them); rows below an earlier take are only there after a restart or rollback.
    if (firstOpen <= this.takenBeforeMs && !windows.mayHoldRowsBefore(firstOpen)) return;
    await this.fold(now);
    const { edges, metrics } = await windows.takeClosed(now, delay);
    if (early) this.budget?.evicted('windows', edges.length + metrics.length);
    this.takenBeforeMs = Math.max(this.takenBeforeMs, firstOpen);
    await this.emit(edges, metrics, now);
  }

  private async emit(edges: readonly DependencyEdge[], metrics: readonly SpanMetrics[], now: number): Promise<void> {
    const { ctx } = this.ready();
    const rows = [
      ...edges.map((e) => ({ key: `${e.parent}|${e.child}`, row: e, child: this.opts.children.edges })),
      ...metrics.map((m) => ({ key: `${m.service}|${m.operation}`, row: m, child: this.opts.children.metrics })),
    ];
    for (const { key, row, child } of rows) {
      try {
        await ctx.forward(new StreamRecord(key, row, row.windowStartMs), child);
      } catch (err) {
        // One row that cannot be emitted leaves as a dead letter; the window's other rows go on.
        if (isFatal(err)) throw err;
        deadLetterRow(ctx, key, row, `window row for ${child} could not be emitted`, err, now);
      }
    }
  }

  private ready(): { ctx: ProcessorContext<string, unknown>; windows: WindowStore } {
    if (!this.ctx || !this.windows) throw new Error('aggregate-windows: process before init');
    return { ctx: this.ctx, windows: this.windows };
  }
}
