/**
 * In-memory accumulators that fold observations into window rows keyed by their store key,
 * so a processor reads and writes each store key once per trace (or per batch) instead of
 * once per call. Pure data structures: no clock, no I/O.
 */
import { edgeKey, metricKey } from './keys.ts';
import { edgeFromObservation, mergeEdges, mergeMetrics, metricFromObservation } from './merge.ts';
import type { DependencyEdge, EdgeObservation, SpanMetrics, SpanObservation } from './types.ts';
import { DEFAULT_WINDOW_MS, windowStart } from './window.ts';

interface FoldOps<O, R> {
  key(row: R): string;
  fromObservation(obs: O, windowMs: number): R;
  merge(a: R, b: R): R;
}

/** Rows keyed by store key; adding an observation or row merges into the row with its key. */
export class WindowedFold<O, R> {
  private readonly rows = new Map<string, R>();

  constructor(
    private readonly ops: FoldOps<O, R>,
    /** Window length, ms; every observation is placed in the window holding its start. */
    readonly windowMs: number,
  ) {
    windowStart(0, windowMs); // validates the window length once, up front
  }

  /** Folds one observation in. */
  add(obs: O): this {
    return this.addRow(this.ops.fromObservation(obs, this.windowMs));
  }

  /** Folds an already aggregated row in (e.g. the row read back from the store). */
  addRow(row: R): this {
    const key = this.ops.key(row);
    const current = this.rows.get(key);
    this.rows.set(key, current === undefined ? row : this.ops.merge(current, row));
    return this;
  }

  /** Folds every row of another accumulator in; windows must have the same length. */
  merge(other: WindowedFold<O, R>): this {
    if (other.windowMs !== this.windowMs) {
      throw new Error(`cannot merge ${other.windowMs} ms windows into ${this.windowMs} ms windows`);
    }
    for (const row of other.rows.values()) this.addRow(row);
    return this;
  }

  get size(): number {
    return this.rows.size;
  }

  /** The row under a store key, if any. */
  get(key: string): R | undefined {
    return this.rows.get(key);
  }

  /** Rows with their store keys, in key order, so windows come oldest first. */
  entries(): Array<readonly [key: string, row: R]> {
    return [...this.rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

const edgeOps: FoldOps<EdgeObservation, DependencyEdge> = {
  key: edgeKey,
  fromObservation: edgeFromObservation,
  merge: mergeEdges,
};

const metricOps: FoldOps<SpanObservation, SpanMetrics> = {
  key: metricKey,
  fromObservation: metricFromObservation,
  merge: mergeMetrics,
};

/** Calls per (window, parent, child, connection type), keyed by {@link edgeKey}. */
export class EdgeAggregate extends WindowedFold<EdgeObservation, DependencyEdge> {
  constructor(windowMs: number = DEFAULT_WINDOW_MS) {
    super(edgeOps, windowMs);
  }
}

/** RED rows per (window, service, operation, kind, status code), keyed by {@link metricKey}. */
export class MetricAggregate extends WindowedFold<SpanObservation, SpanMetrics> {
  constructor(windowMs: number = DEFAULT_WINDOW_MS) {
    super(metricOps, windowMs);
  }
}
