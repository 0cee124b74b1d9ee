import { describe, expect, it } from 'vitest';
import { serviceName, SpanKind, StatusCode, findAttribute, type Span } from '../../../src/model/span.ts';
import { computeGroundTruth, generateWorkload } from '../../../src/workload/generator.ts';
import { run, str, tracesOf } from './helpers.ts';

const base = { seed: 'gen', traces: 400, errorRate: 0.05, slowRate: 0.02, lateRate: 0.02, duplicateRate: 0.01 } as const;
const sample = run(base);
const traces = tracesOf(sample.deliveries);

describe('generateWorkload: determinism', () => {
  it('produces identical deliveries for the same seed', () => {
    const again = run(base);
    expect(again.deliveries).toEqual(sample.deliveries);
    expect(again.groundTruth).toEqual(sample.groundTruth);
  });

  it('produces different traces for a different seed', () => {
    const other = run({ ...base, seed: 'other' });
    const ids = new Set(sample.deliveries.map((d) => d.span.traceId));
    expect(other.deliveries.some((d) => ids.has(d.span.traceId))).toBe(false);
    expect(other.deliveries.length).not.toBe(sample.deliveries.length);
  });

  it('keeps trace content independent of delivery options', () => {
    const plain = tracesOf(run({ ...base, lateRate: 0, duplicateRate: 0, outOfOrder: false }).deliveries);
    for (const [id, spans] of traces) {
      const key = (s: Span): string => s.spanId;
      expect([...(plain.get(id) ?? [])].sort((a, b) => key(a).localeCompare(key(b)))).toEqual([...spans].sort((a, b) => key(a).localeCompare(key(b))));
    }
  });
});

describe('generateWorkload: span validity', () => {
  it('delivers in arrival order, as integers, starting at or after startMs', () => {
    for (let i = 1; i < sample.deliveries.length; i++) {
      expect((sample.deliveries[i] as { arrivalMs: number }).arrivalMs).toBeGreaterThanOrEqual((sample.deliveries[i - 1] as { arrivalMs: number }).arrivalMs);
    }
    expect(sample.deliveries.every((d) => Number.isInteger(d.arrivalMs) && d.arrivalMs >= 1_700_000_000_000)).toBe(true);
  });

  it('gives every span valid, non-zero, unique ids and end >= start', () => {
    const ids = new Set<string>();
    for (const spans of traces.values()) {
      for (const s of spans) {
        expect(s.traceId).toMatch(/^(?!0+$)[0-9a-f]{32}$/);
        expect(s.spanId).toMatch(/^(?!0+$)[0-9a-f]{16}$/);
        expect(s.parentSpanId).toMatch(/^$|^[0-9a-f]{16}$/);
        expect(s.endTimeUnixNano >= s.startTimeUnixNano).toBe(true);
        expect(ids.has(s.spanId)).toBe(false);
        ids.add(s.spanId);
      }
    }
  });

  it('has exactly one root per trace, and every parent id is a span of the same trace', () => {
    for (const spans of traces.values()) {
      const byId = new Set(spans.map((s) => s.spanId));
      expect(spans.filter((s) => s.parentSpanId === '')).toHaveLength(1);
      for (const s of spans) if (s.parentSpanId !== '') expect(byId.has(s.parentSpanId)).toBe(true);
    }
  });

  it('nests synchronous children inside their parent; consumers start after their producer ends', () => {
    for (const spans of traces.values()) {
      const byId = new Map(spans.map((s) => [s.spanId, s]));
      for (const s of spans) {
        const p = byId.get(s.parentSpanId);
        if (!p) continue;
        if (s.kind === SpanKind.CONSUMER) {
          expect(p.kind).toBe(SpanKind.PRODUCER);
          expect(s.startTimeUnixNano >= p.endTimeUnixNano).toBe(true);
          expect(s.startTimeUnixNano - p.endTimeUnixNano < 1_000_000_000n).toBe(true);
        } else {
          expect(s.startTimeUnixNano >= p.startTimeUnixNano).toBe(true);
          expect(s.endTimeUnixNano <= p.endTimeUnixNano).toBe(true);
        }
      }
    }
  });

  it('pairs each instrumented CLIENT span with one SERVER child of another service, in the same shape', () => {
    let pairs = 0;
    for (const spans of traces.values()) {
      for (const c of spans.filter((s) => s.kind === SpanKind.CLIENT)) {
        const kids = spans.filter((s) => s.parentSpanId === c.spanId);
        if (str(c, 'db.system') || str(c, 'peer.service')) {
          expect(kids).toHaveLength(0);
          continue;
        }
        expect(kids).toHaveLength(1);
        const server = kids[0] as Span;
        expect(server.kind).toBe(SpanKind.SERVER);
        expect(serviceName(server)).not.toBe(serviceName(c));
        expect(str(c, 'server.address')).toBe(serviceName(server));
        expect(c.name).toBe(server.name);
        pairs++;
      }
    }
    expect(pairs).toBeGreaterThan(1000);
  });

  it('carries resource, scope and semantic-convention attributes', () => {
    for (const spans of traces.values()) {
      for (const s of spans) {
        for (const k of ['service.name', 'service.version', 'deployment.environment', 'host.name', 'k8s.pod.name']) {
          expect(findAttribute(s.resource.attributes, k)?.type, k).toBe('string');
        }
        expect(s.scope.name).not.toBe('');
        expect(s.scope.version).not.toBe('');
        if (str(s, 'db.system')) {
          expect(str(s, 'db.name')).toBe(str(s, 'db.namespace'));
          expect(str(s, 'db.statement')).toBeTruthy();
        }
        if (s.kind === SpanKind.SERVER && str(s, 'http.request.method')) {
          expect(str(s, 'http.route')).toBeTruthy();
          expect(findAttribute(s.attributes, 'http.response.status_code')?.type).toBe('int');
        }
        if (str(s, 'rpc.system')) expect([str(s, 'rpc.service'), str(s, 'rpc.method')].every(Boolean)).toBe(true);
      }
    }
    const all = [...traces.values()].flat();
    const typeOf = (k: string): Set<string | undefined> => new Set(all.map((s) => findAttribute(s.attributes, k)?.type).filter(Boolean));
    expect(typeOf('app.feature.new_checkout')).toEqual(new Set(['bool']));
    expect(typeOf('app.cart.size')).toEqual(new Set(['int']));
    expect(typeOf('app.order.amount')).toEqual(new Set(['double']));
    expect(typeOf('app.cart.product_ids')).toEqual(new Set(['array']));
  });

  it('records exception events on failing spans, and only there', () => {
    let failing = 0;
    for (const spans of traces.values()) {
      for (const s of spans) {
        const ex = s.events.filter((e) => e.name === 'exception');
        if (s.status.code !== StatusCode.ERROR) expect(ex).toHaveLength(0);
        if (s.status.code === StatusCode.ERROR && s.kind !== SpanKind.CLIENT) {
          failing++;
          expect(ex).toHaveLength(1);
          for (const k of ['exception.type', 'exception.message', 'exception.stacktrace']) expect(findAttribute(ex[0]?.attributes ?? [], k)?.type).toBe('string');
        }
      }
    }
    expect(failing).toBeGreaterThan(0);
  });
});

describe('generateWorkload: ground truth per trace', () => {
  it('matches the delivered spans: count, error, root duration and root operation', () => {
    const gt = sample.groundTruth;
    expect(gt.traceCount).toBe(400);
    expect(gt.traces.size).toBe(400);
    expect(gt.spanCount).toBe([...traces.values()].reduce((a, s) => a + s.length, 0));
    for (const [id, spans] of traces) {
      const t = gt.traces.get(id);
      const root = spans.find((s) => s.parentSpanId === '') as Span;
      expect(t?.spanCount).toBe(spans.length);
      expect(t?.hasError).toBe(spans.some((s) => s.status.code === StatusCode.ERROR));
      expect(t?.durationNanos).toBe(root.endTimeUnixNano - root.startTimeUnixNano);
      expect(t?.rootService).toBe(serviceName(root));
    }
  });

  it('is reproduced by the separate span-free pass', () => {
    const separate = computeGroundTruth(base);
    expect(separate.traces).toEqual(sample.groundTruth.traces);
    expect(separate.edges).toEqual(sample.groundTruth.edges);
    expect(separate.spanCount).toBe(sample.groundTruth.spanCount);
  });

  it('spreads Poisson starts over durationSec at tracesPerSecond', () => {
    const gt = computeGroundTruth({ seed: 's', tracesPerSecond: 200, durationSec: 20 });
    expect(gt.traceCount).toBeGreaterThan(3700);
    expect(gt.traceCount).toBeLessThan(4300);
    const starts = [...gt.traces.values()].map((t) => t.startMs);
    expect(Math.max(...starts)).toBeLessThan(1_700_000_000_000 + 20_000);
  });

  it('streams: reading deliveries lazily never holds more than the in-flight traces', () => {
    const w = generateWorkload({ seed: 'stream', traces: 3000, tracesPerSecond: 100, keepTraceTruth: false });
    let n = 0;
    for (const d of w) {
      n++;
      // After the first deliveries, only traces started so far exist in the ground truth.
      if (n === 100) expect(w.groundTruth.traceCount).toBeLessThan(200);
      void d;
    }
    expect(w.groundTruth.traceCount).toBe(3000);
    expect(w.groundTruth.traces.size).toBe(0);
  });

  it('rejects invalid options with a message naming the option', () => {
    expect(() => generateWorkload({ seed: 1 })).toThrow(/traces or durationSec/);
    expect(() => generateWorkload({ seed: 1, traces: 1, errorRate: 2 })).toThrow(/errorRate/);
    expect(() => generateWorkload({ seed: 1, traces: -1 })).toThrow(/traces/);
    expect(() => generateWorkload({ seed: 1, traces: 1, hugeTrace: { spans: 0 } })).toThrow(/hugeTrace/);
  });
});
