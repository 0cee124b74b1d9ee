import { describe, expect, it } from 'vitest';
import { EdgeAggregate, MetricAggregate } from '../../../src/edges/aggregate.ts';
import { bucketIndex, BUCKET_COUNT } from '../../../src/edges/histogram.ts';
import { edgeFromObservation, mergeEdges, mergeMetrics, metricFromObservation } from '../../../src/edges/merge.ts';
import type { ConnectionType, DependencyEdge, EdgeObservation, SpanObservation } from '../../../src/edges/types.ts';
import { windowStart } from '../../../src/edges/window.ts';
import { lcg, pick } from './seeded-random.ts';
import { T0_MS } from './span-factory.ts';


function edgeObservations(n: number, seed: number): EdgeObservation[] {
  const r = lcg(seed);
  return Array.from({ length: n }, () => ({
    parent: pick(r, ['A', 'B']),
    child: pick(r, ['B', 'C', 'postgresql:orders']),
    connectionType: pick<ConnectionType>(r, ['http', 'database']),
    virtualChild: r() < 0.5,
    timestampMs: T0_MS + Math.floor(r() * 180_000),
    durationNanos: BigInt(Math.floor(r() * 3e9)),
    error: r() < 0.2,
  }));
}

function spanObservations(n: number, seed: number): SpanObservation[] {
  const r = lcg(seed);
  return Array.from({ length: n }, () => ({
    service: pick(r, ['A', 'B']),
    operation: pick(r, ['GET /x', 'POST /y']),
    kind: pick(r, [1, 2, 3]),
    statusCode: pick(r, [0, 2]),
    timestampMs: T0_MS + Math.floor(r() * 180_000),
    durationNanos: BigInt(Math.floor(r() * 3e9)),
    error: r() < 0.3,
  }));
}

const obs = (o: Partial<EdgeObservation> = {}): EdgeObservation => ({
  parent: 'A',
  child: 'B',
  connectionType: 'http',
  virtualChild: false,
  timestampMs: T0_MS + 1_000,
  durationNanos: 5_000_000n,
  error: false,
  ...o,
});

describe('windowStart', () => {
  it.each([
    [T0_MS, 60_000, T0_MS],
    [T0_MS + 59_999, 60_000, T0_MS],
    [T0_MS + 60_000, 60_000, T0_MS + 60_000],
    [T0_MS + 12_345, 10_000, T0_MS + 10_000],
    [0, 60_000, 0],
  ])('windowStart(%i, %i) = %i', (ms, w, expected) => {
    expect(windowStart(ms, w)).toBe(expected);
  });

  it('defaults to one-minute windows', () => {
    expect(windowStart(T0_MS + 61_000)).toBe(T0_MS + 60_000);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects window length %d', (w) => {
    expect(() => windowStart(T0_MS, w)).toThrow(RangeError);
  });

  it('rejects a non-finite time', () => {
    expect(() => windowStart(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe('edge rows', () => {
  it('turns one observation into a one-call row of its window', () => {
    const row = edgeFromObservation(obs({ error: true, timestampMs: T0_MS + 61_000, durationNanos: 3_000_000n }));
    expect(row).toMatchObject({ windowStartMs: T0_MS + 60_000, calls: 1, errors: 1, durationSumNanos: 3_000_000n });
    expect(row.durationBuckets).toHaveLength(BUCKET_COUNT);
    expect(row.durationBuckets.reduce((a, b) => a + b, 0)).toBe(1);
    expect(row.durationBuckets[bucketIndex(3_000_000n)]).toBe(1);
  });

  it('sums rows and keeps the child virtual only if every row says so', () => {
    const a = edgeFromObservation(obs({ virtualChild: true, durationNanos: 1_000_000n }));
    const b = edgeFromObservation(obs({ virtualChild: false, error: true, durationNanos: 2_000_000n }));
    const ab = mergeEdges(a, b);
    expect(ab).toMatchObject({ calls: 2, errors: 1, durationSumNanos: 3_000_000n, virtualChild: false });
    expect(mergeEdges(a, a).virtualChild).toBe(true);
    expect(a.calls).toBe(1); // inputs are not mutated
  });

  it.each<[string, Partial<EdgeObservation>]>([
    ['window', { timestampMs: T0_MS + 60_000 }],
    ['parent', { parent: 'X' }],
    ['child', { child: 'X' }],
    ['connection type', { connectionType: 'rpc' }],
  ])('refuses to merge rows with another %s', (_name, other) => {
    expect(() => mergeEdges(edgeFromObservation(obs()), edgeFromObservation(obs(other)))).toThrow(/cannot merge/);
  });

  it('merge is commutative and associative', () => {
    const rows = edgeObservations(60, 7).map((o) => edgeFromObservation({ ...o, parent: 'A', child: 'B', connectionType: 'http', timestampMs: T0_MS }));
    for (let i = 0; i + 2 < rows.length; i += 3) {
      const [a, b, c] = [rows[i], rows[i + 1], rows[i + 2]] as [DependencyEdge, DependencyEdge, DependencyEdge];
      expect(mergeEdges(a, b)).toEqual(mergeEdges(b, a));
      expect(mergeEdges(mergeEdges(a, b), c)).toEqual(mergeEdges(a, mergeEdges(b, c)));
    }
  });
});

describe('metric rows', () => {
  it('sums rows of one key and refuses another status code', () => {
    const o: SpanObservation = { service: 'A', operation: 'op', kind: 2, statusCode: 2, timestampMs: T0_MS, durationNanos: 7n, error: true };
    const merged = mergeMetrics(metricFromObservation(o), metricFromObservation({ ...o, durationNanos: 3n }));
    expect(merged).toMatchObject({ windowStartMs: T0_MS, calls: 2, errors: 2, durationSumNanos: 10n });
    expect(() => mergeMetrics(merged, metricFromObservation({ ...o, statusCode: 0, error: false }))).toThrow(/cannot merge/);
  });
});

describe('EdgeAggregate / MetricAggregate', () => {
  it('folds observations into one row per window and identity, in window order', () => {
    const agg = new EdgeAggregate();
    agg.add(obs({ timestampMs: T0_MS + 61_000 })).add(obs()).add(obs({ error: true })).add(obs({ child: 'C' }));
    const rows = agg.entries().map(([, r]) => [r.windowStartMs - T0_MS, r.child, r.calls, r.errors]);
    expect(rows).toEqual([
      [0, 'B', 2, 1],
      [0, 'C', 1, 0],
      [60_000, 'B', 1, 0],
    ]);
    expect(agg.size).toBe(3);
  });

  it('any split of the input, merged in any order, gives the same rows as one fold', () => {
    const all = edgeObservations(400, 42);
    const whole = all.reduce((a, o) => a.add(o), new EdgeAggregate()).entries();
    const parts = [new EdgeAggregate(), new EdgeAggregate(), new EdgeAggregate()];
    const r = lcg(3);
    for (const o of all) pick(r, parts).add(o);
    const [p0, p1, p2] = parts as [EdgeAggregate, EdgeAggregate, EdgeAggregate];
    expect(new EdgeAggregate().merge(p2).merge(p0).merge(p1).entries()).toEqual(whole);
    expect(p1.merge(p2).merge(p0).entries()).toEqual(whole);
    const total = whole.reduce((n, [, row]) => n + row.calls, 0);
    expect(total).toBe(all.length);
  });

  it('metric folds agree across splits too, and addRow folds stored rows back in', () => {
    const all = spanObservations(300, 9);
    const whole = all.reduce((a, o) => a.add(o), new MetricAggregate()).entries();
    const left = all.slice(0, 120).reduce((a, o) => a.add(o), new MetricAggregate());
    const right = all.slice(120).reduce((a, o) => a.add(o), new MetricAggregate());
    const viaRows = new MetricAggregate();
    for (const [, row] of right.entries()) viaRows.addRow(row);
    for (const [, row] of left.entries()) viaRows.addRow(row);
    expect(viaRows.entries()).toEqual(whole);
    expect(whole.reduce((n, [, row]) => n + row.errors, 0)).toBe(all.filter((o) => o.error).length);
  });

  it('uses its window length and refuses to merge another', () => {
    const tenSeconds = new EdgeAggregate(10_000).add(obs({ timestampMs: T0_MS + 12_345 }));
    expect(tenSeconds.entries().map(([, r]) => r.windowStartMs)).toEqual([T0_MS + 10_000]);
    expect(() => new EdgeAggregate().merge(tenSeconds)).toThrow(/cannot merge/);
    expect(() => new MetricAggregate(0)).toThrow(RangeError);
  });

  it('looks rows up by store key', () => {
    const agg = new EdgeAggregate().add(obs());
    const [[key, row]] = agg.entries() as [[string, DependencyEdge]];
    expect(agg.get(key)).toBe(row);
    expect(agg.get('edge|nope')).toBeUndefined();
  });
});
