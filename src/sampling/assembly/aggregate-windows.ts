import type { EdgeObservation, SpanObservation } from '../../edges/types.ts';
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
 * written once per commit however many traces touched it (a tick folds only to take a
 * closed window they may belong to).
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
  /** Earliest time among the pending observations; Infinity when there are none. */
  private oldestPendingMs = Infinity;
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
    const list: readonly (SpanObservation | EdgeObservation)[] = 'spans' in o ? o.spans : o.edges;
    for (const x of list) if (x.timestampMs < this.oldestPendingMs) this.oldestPendingMs = x.timestampMs;
    if ('spans' in o) for (const x of o.spans) this.spans.push(x);
    else for (const x of o.edges) this.edges.push(x);
    if (this.spans.length + this.edges.length >= MAX_PENDING) await this.fold();
  }

  async commit(): Promise<void> {
    await this.fold();
  }

  private async fold(): Promise<void> {
    const { windows } = this.ready();
    const spans = this.spans;
    const edges = this.edges;
    this.spans = [];
    this.edges = [];
    this.oldestPendingMs = Infinity;
    if (spans.length > 0) await windows.addSpanMetrics(spans);
    if (edges.length > 0) await windows.addEdges(edges);
  }

  private async flush(now: number): Promise<void> {
    const { ctx, windows } = this.ready();
    // Pending observations wait for the commit unless this tick takes a window they may add
    // to: a row is then read and written once per commit, not once per tick.
    const firstOpen = windows.firstOpenWindow(now, this.opts.windowFlushDelayMs);
    if (this.oldestPendingMs >= firstOpen && !windows.mayHoldRowsBefore(firstOpen)) return;
    await this.fold();
    // Over the state's disk budget every window goes now, the open one as partial sums.
    const early = this.budget?.windowsEarly === true;
    const { edges, metrics } = await windows.takeClosed(now, early ? -this.opts.windowMs : this.opts.windowFlushDelayMs);
    if (early) this.budget?.evicted('windows', edges.length + metrics.length);
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
