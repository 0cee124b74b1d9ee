import { describe, expect, it } from 'vitest';
import { deriveEdges, deriveSpanMetrics, edgeFromObservation, foldEdges, foldMetrics, mergeEdges, mergeMetrics, metricFromObservation } from '../../../src/edges/index.ts';
import { edgeKey, metricKey } from '../../../src/edges/keys.ts';
import type { DependencyEdge, EdgeObservation, SpanMetrics, SpanObservation } from '../../../src/edges/types.ts';
import type { Span } from '../../../src/model/span.ts';
import { generateWorkload } from '../../../src/workload/generator.ts';

function observations(): { spans: SpanObservation[]; edges: EdgeObservation[] } {
  const byTrace = new Map<string, Span[]>();
  for (const d of generateWorkload({ seed: 'fold', traces: 300, errorRate: 0.05, keepTraceTruth: false }).deliveries) {
    byTrace.set(d.span.traceId, [...(byTrace.get(d.span.traceId) ?? []), d.span]);
  }
  const spans: SpanObservation[] = [];
  const edges: EdgeObservation[] = [];
  for (const list of byTrace.values()) {
    spans.push(...deriveSpanMetrics(list));
    edges.push(...deriveEdges(list));
  }
  return { spans, edges };
}

describe('folding observations in place', () => {
  const { spans, edges } = observations();

  it('gives, per key, what merging the one-call rows gives, and leaves its input alone', () => {
    const metrics = new Map<string, SpanMetrics>();
    for (const o of spans) {
      const row = metricFromObservation(o);
      const seen = metrics.get(metricKey(row));
      metrics.set(metricKey(row), seen ? mergeMetrics(seen, row) : row);
    }
    const merged = new Map<string, DependencyEdge>();
    for (const o of edges) {
      const row = edgeFromObservation(o);
      const seen = merged.get(edgeKey(row));
      merged.set(edgeKey(row), seen ? mergeEdges(seen, row) : row);
    }
    const before = JSON.stringify(spans.slice(0, 50), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    expect(metrics.size).toBeGreaterThan(10);
    expect(merged.size).toBeGreaterThan(5);
    expect([...merged.values()].some((e) => e.calls > 1)).toBe(true);
    expect(foldMetrics(spans)).toEqual(metrics);
    expect(foldEdges(edges)).toEqual(merged);
    expect(JSON.stringify(spans.slice(0, 50), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).toBe(before);
  });
});
