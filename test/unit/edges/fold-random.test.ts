/**
 * Random batches against the definitional forms: folding observations gives, key for key
 * and in the same order, what merging their one-call rows gives, under the keys the store
 * has always used; the ns bucket comparison agrees with the ms formula it replaces. Names,
 * durations and times reach the corners (escapes, unicode, bucket bounds, sums past 2^53,
 * window boundaries).
 */
import { describe, expect, it } from 'vitest';
import { foldEdges, foldMetrics } from '../../../src/edges/fold.ts';
import { bucketIndex, DURATION_BOUNDS_MS } from '../../../src/edges/histogram.ts';
import { edgeKey, metricKey } from '../../../src/edges/keys.ts';
import { edgeFromObservation, mergeEdges, mergeMetrics, metricFromObservation } from '../../../src/edges/merge.ts';
import { CONNECTION_TYPES, type DependencyEdge, type EdgeObservation, type SpanMetrics, type SpanObservation } from '../../../src/edges/types.ts';
import { lcg, pick } from './seeded-random.ts';
import { T0_MS } from './span-factory.ts';


/** The key formulas as the store has always written them (regex escapes, padded window). */
const escapeAlways = (s: string): string => s.replace(/%/g, '%25').replace(/\|/g, '%7C');
const window13 = (ms: number): string => String(ms).padStart(13, '0');
const storedEdgeKey = (e: DependencyEdge): string =>
  `edge|${window13(e.windowStartMs)}|${escapeAlways(e.parent)}|${escapeAlways(e.child)}|${e.connectionType}`;
const storedMetricKey = (m: SpanMetrics): string =>
  `metric|${window13(m.windowStartMs)}|${escapeAlways(m.service)}|${escapeAlways(m.operation)}|${m.kind}|${m.statusCode}`;

/** The bucket formula the ns comparison replaces: divide into ms, then search the ms bounds. */
function bucketInMs(durationNanos: bigint): number {
  const ms = Number(durationNanos) / 1e6;
  const i = DURATION_BOUNDS_MS.findIndex((bound) => ms <= bound);
  return i === -1 ? DURATION_BOUNDS_MS.length : i;
}

const NAMES = ['api', 'a|b', '|', '%', '%7C', '%25', '100%|', 'é', '🚀 svc', 'naïve|%🚀', '', 'GET /api/v1/items/{id}', 'x'.repeat(200)];
/** Every bound ±1 ns, zero, sums past 2^53 and bigints no double holds. */
const BOUNDS_NS = DURATION_BOUNDS_MS.map((ms) => BigInt(Math.round(ms * 1e6)));
const DURATIONS: readonly bigint[] = [
  0n, 1n, ...BOUNDS_NS.flatMap((b) => [b - 1n, b, b + 1n]), 2n ** 52n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n, 2n ** 64n + 7n, 10n ** 30n,
];

function duration(r: () => number): bigint {
  return r() < 0.5 ? pick(r, DURATIONS) : BigInt(Math.floor(r() ** 4 * 1e11));
}

/** A fresh copy of a name, as a decoder would hand it over (not the same string object). */
const fresh = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');

function time(r: () => number, windowMs: number): number {
  const base = T0_MS + Math.floor(r() * 4) * windowMs;
  return pick(r, [base - 1, base, base + 1, base + Math.floor(r() * windowMs)]);
}

function spanObservations(r: () => number, n: number, windowMs: number): SpanObservation[] {
  return Array.from({ length: n }, () => ({
    service: fresh(pick(r, NAMES.slice(0, 6))),
    operation: fresh(pick(r, NAMES)),
    kind: pick(r, [0, 1, 2, 3, 4, 5]),
    statusCode: pick(r, [0, 1, 2]),
    timestampMs: time(r, windowMs),
    durationNanos: duration(r),
    error: r() < 0.3,
  }));
}

function edgeObservations(r: () => number, n: number, windowMs: number): EdgeObservation[] {
  return Array.from({ length: n }, () => ({
    parent: fresh(pick(r, NAMES.slice(0, 6))),
    child: fresh(pick(r, NAMES)),
    connectionType: pick(r, CONNECTION_TYPES),
    virtualChild: r() < 0.8,
    timestampMs: time(r, windowMs),
    durationNanos: duration(r),
    error: r() < 0.3,
  }));
}

/** Rows with the bigint spelled out, in property order: what the store's row serde writes. */
const asStored = (rows: Map<string, DependencyEdge | SpanMetrics>): Array<[string, string]> =>
  [...rows].map(([k, row]) => [k, JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))]);

const CASES = [
  { seed: 1, n: 1, windowMs: 60_000 },
  { seed: 2, n: 50, windowMs: 60_000 },
  { seed: 3, n: 2_000, windowMs: 60_000 },
  { seed: 4, n: 2_000, windowMs: 1_000 },
  { seed: 5, n: 500, windowMs: 7 },
];

describe('folding random observations', () => {
  it.each(CASES)('gives the merged one-call rows under the stored keys (seed $seed, $n observations, $windowMs ms windows)', ({ seed, n, windowMs }) => {
    const r = lcg(seed);
    const spans = spanObservations(r, n, windowMs);
    const edges = edgeObservations(r, n, windowMs);

    const metrics = new Map<string, SpanMetrics>();
    for (const o of spans) {
      const row = metricFromObservation(o, windowMs);
      const seen = metrics.get(metricKey(row));
      metrics.set(metricKey(row), seen ? mergeMetrics(seen, row) : row);
    }
    const merged = new Map<string, DependencyEdge>();
    for (const o of edges) {
      const row = edgeFromObservation(o, windowMs);
      const seen = merged.get(edgeKey(row));
      merged.set(edgeKey(row), seen ? mergeEdges(seen, row) : row);
    }

    const foldedMetrics = foldMetrics(spans, windowMs);
    const foldedEdges = foldEdges(edges, windowMs);
    expect(asStored(foldedMetrics)).toEqual(asStored(metrics));
    expect(asStored(foldedEdges)).toEqual(asStored(merged));
    for (const [k, row] of foldedMetrics) expect(k).toBe(storedMetricKey(row));
    for (const [k, row] of foldedEdges) expect(k).toBe(storedEdgeKey(row));
    if (n >= 2_000) {
      // Large batches do merge: rows of many calls, children that stay virtual and that do not.
      const merging = [...foldedEdges.values()].filter((e) => e.calls > 1);
      expect([...foldedMetrics.values()].some((m) => m.calls > 1)).toBe(true);
      expect(merging.some((e) => e.virtualChild)).toBe(true);
      expect(merging.some((e) => !e.virtualChild)).toBe(true);
    }
  });

  it('sums durations whose total passes 2^53 exactly', () => {
    const o: SpanObservation = { service: 'a', operation: 'b', kind: 2, statusCode: 0, timestampMs: T0_MS, durationNanos: 2n ** 52n + 1n, error: false };
    const folded = foldMetrics([o, o, o, { ...o, durationNanos: 3n }]);
    expect([...folded.values()].map((m) => m.durationSumNanos)).toEqual([3n * (2n ** 52n + 1n) + 3n]);
  });
});

describe('bucketIndex', () => {
  it('picks the bucket the ms formula picks, at every bound and between', () => {
    const r = lcg(9);
    const random = Array.from({ length: 2_000 }, () => BigInt(Math.floor(r() ** 3 * 1e11)));
    for (const d of [...DURATIONS, ...random, -1n, -(10n ** 12n)]) expect(bucketIndex(d), String(d)).toBe(bucketInMs(d));
  });
});
