import { edgeKeysBefore, foldEdges, foldMetrics, mergeEdges, mergeMetrics, metricKeysBefore, windowStart } from '../../edges/index.ts';
import type { DependencyEdge, EdgeObservation, SpanMetrics, SpanObservation } from '../../edges/types.ts';
import type { Serde } from '../../serde/serde.ts';
import type { KeyValueStore } from '../../state/store.ts';

export type WindowRow = DependencyEdge | SpanMetrics;

/** JSON with the one bigint field as a string: no reviver, so several times faster than jsonSerde. */
export const windowRowSerde: Serde<WindowRow> = {
  serialize: (row) => Buffer.from(JSON.stringify({ ...row, durationSumNanos: row.durationSumNanos.toString() })),
  deserialize: (bytes) => {
    const o = JSON.parse(bytes.toString('utf8')) as WindowRow & { durationSumNanos: string };
    return { ...o, durationSumNanos: BigInt(o.durationSumNanos) };
  },
};

/**
 * Per-minute edge and RED aggregates of one task, in one RocksDB store (keys sort by kind
 * then window). Observations are folded in memory per key first, so a trace costs one
 * read and one write per distinct row, not per span.
 */
export class WindowStore {
  /**
   * Windows before this were taken, so a scan for closed windows starts here: taken rows
   * leave tombstones at the front of the key range until RocksDB compacts them, and a scan
   * from the prefix would step over all of them on every tick. A row written below it (a
   * late span) lowers it.
   */
  private scanFromMs = 0;

  constructor(
    private readonly store: KeyValueStore<string, WindowRow>,
    private readonly windowMs: number,
  ) {}

  /** After a rollback taken rows are back in the store: scan from the start again. */
  rescanAll(): void {
    this.scanFromMs = 0;
  }

  async addEdges(observations: readonly EdgeObservation[]): Promise<void> {
    const rows = foldEdges(observations, this.windowMs);
    for (const row of rows.values()) this.scanFromMs = Math.min(this.scanFromMs, row.windowStartMs);
    const entries = [...rows];
    const stored = await this.store.getMany(entries.map(([k]) => k));
    for (const [i, [k, row]] of entries.entries()) {
      const prev = stored[i] as DependencyEdge | undefined;
      await this.store.put(k, prev ? mergeEdges(prev, row) : row);
    }
  }

  async addSpanMetrics(observations: readonly SpanObservation[]): Promise<void> {
    const rows = foldMetrics(observations, this.windowMs);
    for (const row of rows.values()) this.scanFromMs = Math.min(this.scanFromMs, row.windowStartMs);
    const entries = [...rows];
    const stored = await this.store.getMany(entries.map(([k]) => k));
    for (const [i, [k, row]] of entries.entries()) {
      const prev = stored[i] as SpanMetrics | undefined;
      await this.store.put(k, prev ? mergeMetrics(prev, row) : row);
    }
  }

  /** Start of the oldest window `takeClosed(nowMs, delayMs)` leaves open. */
  firstOpenWindow(nowMs: number, delayMs: number): number {
    return windowStart(Math.max(0, nowMs - delayMs), this.windowMs);
  }

  /** False when no row before `windowStartMs` can be in the store (all taken, none late since). */
  mayHoldRowsBefore(windowStartMs: number): boolean {
    return this.scanFromMs < windowStartMs;
  }

  /**
   * Removes and returns the rows of every window that ended at least `delayMs` before
   * `nowMs` (a negative delay takes still-open windows too, as partial sums). A span
   * arriving for a flushed window starts a new partial row; the ClickHouse tables sum rows
   * per key, so totals stay exact.
   */
  async takeClosed(nowMs: number, delayMs: number): Promise<{ edges: DependencyEdge[]; metrics: SpanMetrics[] }> {
    const firstOpen = this.firstOpenWindow(nowMs, delayMs);
    const edges: DependencyEdge[] = [];
    const metrics: SpanMetrics[] = [];
    // Nothing closed since the last scan and no late row below it: the range is empty, so
    // no iterator is opened at all.
    if (!this.mayHoldRowsBefore(firstOpen)) return { edges, metrics };
    const from = this.scanFromMs;
    const er = edgeKeysBefore(firstOpen, from);
    for await (const { key, value } of this.store.range(er.from, er.to)) {
      edges.push(value as DependencyEdge);
      await this.store.delete(key);
    }
    const mr = metricKeysBefore(firstOpen, from);
    for await (const { key, value } of this.store.range(mr.from, mr.to)) {
      metrics.push(value as SpanMetrics);
      await this.store.delete(key);
    }
    this.scanFromMs = Math.max(this.scanFromMs, firstOpen);
    return { edges, metrics };
  }
}
