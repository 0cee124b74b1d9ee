import { describe, expect, it } from 'vitest';
import { SpanKind } from '../../../src/model/span.ts';
import { run, tracesOf } from './helpers.ts';

describe('the huge trace', () => {
  const N = 100_000;
  const r = run({ seed: 'huge', traces: 40, hugeTrace: { spans: N }, lateRate: 0, duplicateRate: 0 });
  const truth = [...r.groundTruth.traces.values()].find((t) => t.rootService === 'batch-indexer');
  const spans = tracesOf(r.deliveries).get(truth?.traceId ?? '') ?? [];

  it('has exactly N spans, one root, all children of the root', () => {
    expect(truth?.spanCount).toBe(N);
    expect(spans).toHaveLength(N);
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(N);
    const root = spans.find((s) => s.parentSpanId === '');
    expect(root?.kind).toBe(SpanKind.INTERNAL);
    expect(spans.filter((s) => s.parentSpanId === root?.spanId)).toHaveLength(N - 1);
    expect(truth?.durationNanos).toBe((root?.endTimeUnixNano ?? 0n) - (root?.startTimeUnixNano ?? 0n));
    for (const s of spans) expect(s.endTimeUnixNano <= (root?.endTimeUnixNano ?? 0n) && s.startTimeUnixNano >= (root?.startTimeUnixNano ?? 0n)).toBe(true);
  });

  it('is counted in the ground truth, with its database edge', () => {
    expect(r.groundTruth.traceCount).toBe(41);
    expect(r.groundTruth.edges.get('batch-indexer|postgresql:catalog|database')).toBe(Math.floor((N - 1) / 10));
  });

  it('arrives spread out, interleaved with other traces, root last', () => {
    const arrivals = r.deliveries.filter((d) => d.span.traceId === truth?.traceId).map((d) => d.arrivalMs);
    expect(arrivals.at(-1)).toBe(Math.max(...arrivals));
    expect(new Set(arrivals).size).toBeGreaterThan(1);
    const last = r.deliveries.findLastIndex((d) => d.span.traceId === truth?.traceId);
    const first = r.deliveries.findIndex((d) => d.span.traceId === truth?.traceId);
    expect(last - first + 1).toBeGreaterThan(N);
    expect(r.deliveries[last]?.span.parentSpanId).toBe('');
  });

  it('arrives root first when delivery is in order', () => {
    const small = run({ seed: 'huge', traces: 4, hugeTrace: { spans: 1000, afterTraces: 0 }, outOfOrder: false, lateRate: 0, duplicateRate: 0 });
    const mine = small.deliveries.filter((d) => small.groundTruth.traces.get(d.span.traceId)?.rootService === 'batch-indexer');
    expect(mine).toHaveLength(1000);
    expect(mine[0]?.span.parentSpanId).toBe('');
  });
});
