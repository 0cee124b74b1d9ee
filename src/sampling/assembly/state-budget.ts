import type { StoreSpec } from '../../state/store.ts';
import type { ProcessorContext } from '../../streams/processor.ts';
import type { Logger } from '../../util/log.ts';
import { EVICTION_ORDER, planShed, type EvictionKind, type TierUsage } from './state-budget-plan.ts';
import { openStore, STORE_SPECS } from './stores.ts';
import type { TraceBuffer } from './trace-buffer.ts';

/** One measurement of the state directory. */
export interface StateDiskMeasure {
  /** Measurements are numbered as they start. */
  readonly seq: number;
  readonly usedBytes: number;
  /** Bytes of the task's own store directories. */
  taskBytes(app: string, task: number): number;
}

/**
 * The process-wide side of the RocksDB disk budget (src/storage/state-budget.ts): the
 * measured state directory (one walk serves every task), the metrics and the log.
 */
export interface StateBudgetSource {
  readonly budgetBytes: number;
  readonly checkMs: number;
  /** Shares of the budget: above `highWater` the state sheds until it is under `lowWater`. */
  readonly highWater: number;
  readonly lowWater: number;
  readonly log: Logger;
  /** Measurements started so far. */
  readonly measurementsStarted: number;
  /** The latest measurement; measured anew when it is `checkMs` old or numbered `newerThan` or lower. */
  usage(nowMs: number, newerThan?: number): Promise<StateDiskMeasure>;
  evicted(app: string, task: number, kind: EvictionKind, count: number): void;
  /** A compaction this budget asked for (awaited by `settled`). */
  compacting(done: Promise<void>): void;
}

const TIER_STORES: Readonly<Record<EvictionKind, readonly StoreSpec[]>> = {
  traces: [STORE_SPECS.entries, STORE_SPECS.meta, STORE_SPECS.deadlines],
  decisions: [STORE_SPECS.decisions],
  windows: [STORE_SPECS.windows],
};

/** Rough bytes per entry beside the span bytes: a trace's summary and index entry, a cached decision, a window row. */
const ENTRY_BYTES = { trace: 400, decision: 250, window: 400 } as const;

const VERBS: Readonly<Record<EvictionKind, string>> = {
  traces: 'decided {n} in-flight traces early (due soonest first)',
  decisions: 'expired {n} cached decisions early (oldest first)',
  windows: 'emitted {n} aggregate window rows early (as partial sums)',
};

/**
 * One task's part of the RocksDB disk budget. Over the high-water mark it first compacts
 * the task's stores (deleted entries may be all the excess), then, measured again, sheds
 * its share of the excess tier by tier (state-budget-plan.ts). Everything goes through
 * the stores, so the changelog says what RocksDB says: traces are decided early by the
 * memory-pressure hand-over of buffer-traces (kept ones are forwarded as usual), decisions
 * expire, windows are emitted. Then the stores are compacted and nothing more is shed
 * until a measurement taken after that compaction.
 */
export class TaskStateBudget {
  /** In-flight bytes above which buffer-traces decides the traces due soonest early. */
  traceBytesCap = Infinity;
  /** While set, aggregate-windows emits every window at its tick, the open one included. */
  windowsEarly = false;
  private settling: Promise<void> | undefined;
  private newerThan = 0;
  private compactedWhileOver = false;
  private nothingLeftLogged = false;
  private usedBytes = 0;
  /** Evictions since the last log line, and kinds whose stores have deletes to compact. */
  private readonly unlogged = new Map<EvictionKind, number>();
  private readonly uncompacted = new Set<EvictionKind>();

  private constructor(
    private readonly source: StateBudgetSource,
    private readonly app: string,
    private readonly task: number,
  ) {}

  /** The task's budget, shared by the processors that shed (and kept across a task's reopening). */
  static of(ctx: ProcessorContext<unknown, unknown>, source: StateBudgetSource): TaskStateBudget {
    let tasks = perSource.get(source);
    if (!tasks) perSource.set(source, (tasks = new Map()));
    const key = `${ctx.applicationId}/${ctx.taskId}`;
    let budget = tasks.get(key);
    if (!budget) tasks.set(key, (budget = new TaskStateBudget(source, ctx.applicationId, ctx.taskId)));
    return budget;
  }

  /** Counts entries shed by a processor (the metric now, the log line at `report`). */
  evicted(kind: EvictionKind, count: number): void {
    if (count <= 0) return;
    this.source.evicted(this.app, this.task, kind, count);
    this.unlogged.set(kind, (this.unlogged.get(kind) ?? 0) + count);
    this.uncompacted.add(kind);
  }

  /** Measures (cached) and sets what the task sheds; buffer-traces then hands the traces over. */
  async check(now: number, ctx: ProcessorContext<unknown, unknown>, buffer: TraceBuffer): Promise<void> {
    if (this.settling) return;
    const s = this.source;
    const u = await s.usage(now, this.newerThan);
    this.usedBytes = u.usedBytes;
    const over = u.usedBytes > s.budgetBytes * s.highWater;
    if (!over) {
      if (u.usedBytes <= s.budgetBytes * s.lowWater) this.release();
      this.compact(ctx, this.uncompacted);
      return;
    }
    if (!this.compactedWhileOver) {
      // Deleted entries keep their space until a compaction: reclaim that before shedding.
      this.compactedWhileOver = true;
      this.compact(ctx, EVICTION_ORDER);
      return;
    }
    const excess = ((u.usedBytes - s.budgetBytes * s.lowWater) * u.taskBytes(this.app, this.task)) / u.usedBytes;
    const plan = planShed(excess, await this.tiers(ctx, buffer));
    const traces = plan.fractions.get('traces');
    if (traces !== undefined) this.traceBytesCap = Math.floor(buffer.bytesInFlight * (1 - traces));
    const decisions = plan.fractions.get('decisions');
    if (decisions !== undefined) {
      const before = buffer.decisions.size;
      await buffer.decisions.expire(Infinity, Math.ceil(before * decisions));
      this.evicted('decisions', before - buffer.decisions.size);
    }
    if (plan.fractions.has('windows')) this.windowsEarly = true;
    if (plan.shortBytes > 0 && !this.nothingLeftLogged) {
      s.log.error('over the state disk budget with nothing more to shed in this task', this.fields({ shortBytes: Math.round(plan.shortBytes) }));
    }
    this.nothingLeftLogged = plan.shortBytes > 0;
    this.compact(ctx, [...plan.fractions.keys()]);
  }

  /** One log line per kind shed since the last one, naming the task and the stores. */
  report(): void {
    for (const [kind, n] of this.unlogged) {
      const stores = TIER_STORES[kind].map((x) => x.name);
      this.source.log.warn(`state disk budget: ${VERBS[kind].replace('{n}', String(n))} in task ${this.app}/${this.task}`, this.fields({ kind, count: n, stores }));
    }
    this.unlogged.clear();
  }

  private release(): void {
    if (this.traceBytesCap !== Infinity || this.windowsEarly) this.source.log.info(`state disk budget: back under the low-water mark in task ${this.app}/${this.task}; nothing is cut short any more`, this.fields({}));
    this.traceBytesCap = Infinity;
    this.windowsEarly = false;
    this.compactedWhileOver = false;
    this.nothingLeftLogged = false;
  }

  private async tiers(ctx: ProcessorContext<unknown, unknown>, buffer: TraceBuffer): Promise<TierUsage[]> {
    const windows = await openStore(ctx, STORE_SPECS.windows).approximateNumEntries();
    return [
      { kind: 'traces', bytes: buffer.bytesInFlight + buffer.inFlight.size * ENTRY_BYTES.trace, entries: buffer.inFlight.size },
      { kind: 'decisions', bytes: buffer.decisions.size * ENTRY_BYTES.decision, entries: buffer.decisions.size },
      { kind: 'windows', bytes: windows * ENTRY_BYTES.window, entries: windows },
    ];
  }

  /** Compacts the kinds' stores after the next commit; no shedding until a measurement after that. */
  private compact(ctx: ProcessorContext<unknown, unknown>, kinds: Iterable<EvictionKind>): void {
    const list = [...new Set(kinds)];
    const stores = list.flatMap((k) => TIER_STORES[k].map((spec) => openStore(ctx, spec)));
    for (const k of list) this.uncompacted.delete(k);
    if (stores.length === 0) return;
    const settling = Promise.all(stores.map((st) => st.compactAfterCommit())).then(() => {
      this.settling = undefined;
      this.newerThan = this.source.measurementsStarted;
    });
    this.settling = settling;
    this.source.compacting(settling);
  }

  private fields(extra: Record<string, unknown>): Record<string, unknown> {
    return { app: this.app, task: this.task, ...extra, usedBytes: this.usedBytes, budgetBytes: this.source.budgetBytes };
  }
}

const perSource = new WeakMap<StateBudgetSource, Map<string, TaskStateBudget>>();
