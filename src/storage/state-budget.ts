import type { Counter, Gauge, MetricsRegistry } from '../metrics/registry.ts';
import type { Logger } from '../util/log.ts';
import { measureStateDir, type StateDirUsage } from './state-dir-usage.ts';

export interface StateBudgetOptions {
  /** The directory every task's RocksDB stores live under (`$DATA_DIR/state`). */
  readonly stateDir: string;
  /** Bytes the state may take on disk. */
  readonly budgetBytes: number;
  /** How old a measurement may be before a task's check measures again. */
  readonly checkMs: number;
  /** Share of the budget above which tasks shed (default 0.9), and the share they shed down to (default 0.8). */
  readonly highWater?: number;
  readonly lowWater?: number;
  readonly registry: MetricsRegistry;
  readonly log: Logger;
}

/** A measurement with its number, as the tasks read it. */
export interface StateMeasure {
  readonly seq: number;
  readonly atMs: number;
  readonly usedBytes: number;
  storeBytes(app: string, task: number, store: string): number;
  taskBytes(app: string, task: number): number;
}

/** The kinds of sampling/assembly/state-budget-plan.ts (storage does not import sampling). */
export type StateEvictionKind = 'traces' | 'decisions' | 'windows';

/**
 * The RocksDB state's disk budget, process-wide: measures the state directory at most
 * every `checkMs` (one walk serves every task; times come from the tasks' clocks), exposes
 * the figure, the budget and what the tasks shed, and logs for them. Each task decides
 * what it sheds (src/sampling/assembly/state-budget.ts) from its share of the excess.
 */
export class StateDiskBudget {
  readonly budgetBytes: number;
  readonly checkMs: number;
  readonly highWater: number;
  readonly lowWater: number;
  readonly log: Logger;
  private started = 0;
  private latest: StateMeasure | undefined;
  private measuring: Promise<StateMeasure> | undefined;
  private readonly pending = new Set<Promise<void>>();
  private readonly used: Gauge;
  private readonly evictions: Counter;

  constructor(private readonly opts: StateBudgetOptions) {
    this.budgetBytes = opts.budgetBytes;
    this.checkMs = opts.checkMs;
    this.highWater = opts.highWater ?? 0.9;
    this.lowWater = opts.lowWater ?? 0.8;
    if (!(this.lowWater < this.highWater)) throw new RangeError(`state disk budget: lowWater (${this.lowWater}) must be below highWater (${this.highWater})`);
    this.log = opts.log;
    this.used = opts.registry.gauge('tailstream_state_disk_bytes', 'Bytes the RocksDB state directory takes on disk (SST, WAL, manifests, logs), checked against STATE_DISK_BUDGET_BYTES');
    opts.registry.gauge('tailstream_state_disk_budget_bytes', 'STATE_DISK_BUDGET_BYTES: bytes the RocksDB state may take on disk').set(opts.budgetBytes);
    this.evictions = opts.registry.counter(
      'tailstream_state_budget_evictions_total',
      'Entries taken out of the RocksDB state to stay under its disk budget, per task and kind: traces decided early, decisions expired early, window rows emitted early',
    );
  }

  get measurementsStarted(): number {
    return this.started;
  }

  /** The latest measurement, or a new one when it is `checkMs` old at `nowMs` or numbered `newerThan` or lower. */
  usage(nowMs: number, newerThan = 0): Promise<StateMeasure> {
    const l = this.latest;
    if (l && l.seq > newerThan && nowMs - l.atMs < this.checkMs) return Promise.resolve(l);
    if (this.measuring && this.started > newerThan) return this.measuring;
    const seq = ++this.started;
    const run = measureStateDir(this.opts.stateDir).then((u) => {
      const m = measure(seq, nowMs, u);
      if (!this.latest || seq > this.latest.seq) this.latest = m;
      this.used.set(m.usedBytes);
      return m;
    });
    this.measuring = run;
    void run.finally(() => {
      if (this.measuring === run) this.measuring = undefined;
    }).catch(() => undefined);
    return run;
  }

  evicted(app: string, task: number, kind: StateEvictionKind, count: number): void {
    this.evictions.inc({ app, task: String(task), kind }, count);
  }

  compacting(done: Promise<void>): void {
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }

  /** Resolves once the compactions asked for so far are done (tests; shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}

function measure(seq: number, atMs: number, u: StateDirUsage): StateMeasure {
  return {
    seq,
    atMs,
    usedBytes: u.usedBytes,
    storeBytes: (app, task, store) => u.stores.get(`${app}/${task}/${store}`) ?? 0,
    taskBytes: (app, task) => {
      const prefix = `${app}/${task}/`;
      let n = 0;
      for (const [k, b] of u.stores) if (k.startsWith(prefix)) n += b;
      return n;
    },
  };
}
