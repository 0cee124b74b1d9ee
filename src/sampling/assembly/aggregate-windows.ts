import type { Processor, ProcessorContext, ProcessorSupplier } from '../../streams/processor.ts';
import { isFatal } from '../../streams/processing-errors.ts';
import { StreamRecord } from '../../streams/record.ts';
import type { Observations } from './commands.ts';
import { deadLetterRow } from './dead-letter-trace.ts';
import type { AssemblyOptions } from './options.ts';
import { openStore, STORE_SPECS } from './stores.ts';
import { WindowStore } from './window-store.ts';

/**
 * Folds span and edge observations into per-task one-minute windows in RocksDB and emits
 * each window's rows once it is closed (partial sums; the ClickHouse tables add them up).
 */
export function aggregateWindows(opts: Pick<AssemblyOptions, 'tickMs' | 'windowMs' | 'windowFlushDelayMs' | 'children'>): ProcessorSupplier<string, Observations, string, unknown> {
  return {
    stores: [STORE_SPECS.windows],
    get: () => new AggregateWindows(opts),
  };
}

class AggregateWindows implements Processor<string, Observations, string, unknown> {
  private ctx: ProcessorContext<string, unknown> | undefined;
  private windows: WindowStore | undefined;

  constructor(private readonly opts: Pick<AssemblyOptions, 'tickMs' | 'windowMs' | 'windowFlushDelayMs' | 'children'>) {}

  init(ctx: ProcessorContext<string, unknown>): void {
    this.ctx = ctx;
    this.windows = new WindowStore(openStore(ctx, STORE_SPECS.windows), this.opts.windowMs);
    ctx.schedule(this.opts.tickMs, 'wall-clock', (now) => this.flush(now));
  }

  rolledBack(): void {
    this.windows?.rescanAll();
  }

  async process(record: StreamRecord<string, Observations>): Promise<void> {
    const { windows } = this.ready();
    const o = record.value;
    if ('spans' in o) await windows.addSpanMetrics(o.spans);
    else await windows.addEdges(o.edges);
  }

  private async flush(now: number): Promise<void> {
    const { ctx, windows } = this.ready();
    const { edges, metrics } = await windows.takeClosed(now, this.opts.windowFlushDelayMs);
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
