/**
 * A batch of observations folded into one row per store key — what merging their one-call
 * rows gives (merge.ts) — for the window store, which folds every observation of a commit.
 * Observations are grouped by window and identity fields in nested maps, so none of them
 * builds a key; each distinct row's key is built once, from its window's prefix, at the end.
 * Grouping by the fields is grouping by the key: the key escapes names so distinct
 * identities never share one, and Map tells numbers apart exactly as String() does.
 */
import { bucketIndex } from './histogram.ts';
import { edgeKeyUnder, edgeWindowPrefix, metricKeyUnder, metricWindowPrefix } from './keys.ts';
import { edgeFromObservation, metricFromObservation } from './merge.ts';
import type { ConnectionType, DependencyEdge, EdgeObservation, SpanMetrics, SpanObservation } from './types.ts';
import { DEFAULT_WINDOW_MS, windowStart } from './window.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Counts = Mutable<Pick<DependencyEdge, 'calls' | 'errors' | 'durationSumNanos' | 'durationBuckets'>>;

/** One more call added to a row this module built (its buckets are its own). */
function addCall(row: Counts, durationNanos: bigint, error: boolean): void {
  row.calls += 1;
  if (error) row.errors += 1;
  row.durationSumNanos += durationNanos;
  const buckets = row.durationBuckets as number[];
  const i = bucketIndex(durationNanos);
  buckets[i] = (buckets[i] ?? 0) + 1;
}

/** The map under `key`, made on first use. */
function inner<K, K2, V>(outer: Map<K, Map<K2, V>>, key: K): Map<K2, V> {
  let m = outer.get(key);
  if (m === undefined) {
    m = new Map<K2, V>();
    outer.set(key, m);
  }
  return m;
}

/** The rows of one window by identity, and its key prefix (built, and its range checked, on first sight). */
interface WindowRows<K, V> {
  readonly prefix: string;
  readonly rows: Map<K, V>;
}

function windowOf<K, V>(windows: Map<number, WindowRows<K, V>>, start: number, prefix: (windowStartMs: number) => string): WindowRows<K, V> {
  let w = windows.get(start);
  if (w === undefined) {
    w = { prefix: prefix(start), rows: new Map<K, V>() };
    windows.set(start, w);
  }
  return w;
}

/** parent → child → connection type → row. */
type EdgeWindows = Map<number, WindowRows<string, Map<string, Map<ConnectionType, Mutable<DependencyEdge>>>>>;
/** service → operation → kind → status code → row. */
type MetricWindows = Map<number, WindowRows<string, Map<string, Map<number, Map<number, Mutable<SpanMetrics>>>>>>;

/** A row of a window, listed when its first observation made it. */
type Made<R> = readonly [windowPrefix: string, row: R];

/** The rows in the order their first observation came, by store key. */
function keyed<R>(made: ReadonlyArray<Made<R>>, key: (windowPrefix: string, row: R) => string): Map<string, R> {
  const out = new Map<string, R>();
  for (const [prefix, row] of made) out.set(key(prefix, row), row);
  return out;
}

/** Edge observations as one row per store key (`edgeKey`), summed in place: one row and bucket array per key. */
export function foldEdges(observations: readonly EdgeObservation[], windowMs: number = DEFAULT_WINDOW_MS): Map<string, DependencyEdge> {
  const windows: EdgeWindows = new Map();
  const made: Array<Made<Mutable<DependencyEdge>>> = [];
  for (const o of observations) {
    const w = windowOf(windows, windowStart(o.timestampMs, windowMs), edgeWindowPrefix);
    const byType = inner(inner(w.rows, o.parent), o.child);
    const row = byType.get(o.connectionType);
    if (row) {
      row.virtualChild = row.virtualChild && o.virtualChild;
      addCall(row, o.durationNanos, o.error);
    } else {
      const first = edgeFromObservation(o, windowMs);
      byType.set(o.connectionType, first);
      made.push([w.prefix, first]);
    }
  }
  return keyed(made, edgeKeyUnder);
}

/** As foldEdges, for span metrics: one row per `metricKey`. */
export function foldMetrics(observations: readonly SpanObservation[], windowMs: number = DEFAULT_WINDOW_MS): Map<string, SpanMetrics> {
  const windows: MetricWindows = new Map();
  const made: Array<Made<Mutable<SpanMetrics>>> = [];
  for (const o of observations) {
    const w = windowOf(windows, windowStart(o.timestampMs, windowMs), metricWindowPrefix);
    const byStatus = inner(inner(inner(w.rows, o.service), o.operation), o.kind);
    const row = byStatus.get(o.statusCode);
    if (row) addCall(row, o.durationNanos, o.error);
    else {
      const first = metricFromObservation(o, windowMs);
      byStatus.set(o.statusCode, first);
      made.push([w.prefix, first]);
    }
  }
  return keyed(made, metricKeyUnder);
}
