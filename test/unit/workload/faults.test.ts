import { describe, expect, it } from 'vitest';
import { StatusCode, type Span } from '../../../src/model/span.ts';
import { computeGroundTruth } from '../../../src/workload/generator.ts';
import { tracesOverLatency } from '../../../src/workload/ground-truth.ts';
import { run, tracesOf } from './helpers.ts';

const SECOND = 1_000_000_000n;

describe('errors', () => {
  it.each([0.03, 0.2])('makes about errorRate = %s of traces fail', (errorRate) => {
    const gt = computeGroundTruth({ seed: `err-${errorRate}`, traces: 5000, errorRate });
    const sd = Math.sqrt((errorRate * (1 - errorRate)) / 5000);
    expect(Math.abs(gt.errorTraceCount / 5000 - errorRate)).toBeLessThan(4 * sd);
  });

  it('makes no error at all with errorRate 0', () => {
    const r = run({ seed: 'no-err', traces: 300, errorRate: 0 });
    expect(r.deliveries.some((d) => d.span.status.code === StatusCode.ERROR)).toBe(false);
    expect(r.groundTruth.errorTraceCount).toBe(0);
  });

  it('propagates a failure from one origin up a contiguous chain of ancestors, sometimes to the root', () => {
    const traces = tracesOf(run({ seed: 'chain', traces: 300, errorRate: 1, lateRate: 0, duplicateRate: 0 }).deliveries);
    let rootFailed = 0;
    for (const spans of traces.values()) {
      const byId = new Map(spans.map((s) => [s.spanId, s]));
      const failed = spans.filter((s) => s.status.code === StatusCode.ERROR);
      const failedIds = new Set(failed.map((s) => s.spanId));
      const origins = failed.filter((s) => !spans.some((c) => c.parentSpanId === s.spanId && failedIds.has(c.spanId)));
      expect(origins).toHaveLength(1);
      // Walk up from the origin: errors form an unbroken prefix of the ancestor chain.
      let chain = 0;
      for (let s: Span | undefined = origins[0]; s && failedIds.has(s.spanId); s = byId.get(s.parentSpanId)) chain++;
      expect(chain).toBe(failed.length);
      if (spans.find((s) => s.parentSpanId === '')?.status.code === StatusCode.ERROR) rootFailed++;
    }
    // Graceful degradation and async consumers stop some failures; most reach the user.
    expect(rootFailed).toBeGreaterThan(150);
    expect(rootFailed).toBeLessThan(300);
  });
});

describe('slow paths', () => {
  it('makes about slowRate of traces slower than 1 s, and only those', () => {
    const gt = computeGroundTruth({ seed: 'slow', traces: 3000, slowRate: 0.1, errorRate: 0.05 });
    const over = tracesOverLatency(gt, SECOND);
    const slow = new Set([...gt.traces.values()].filter((t) => t.slow).map((t) => t.traceId));
    expect(over).toEqual(slow);
    expect(Math.abs(over.size / 3000 - 0.1)).toBeLessThan(0.025);
    for (const t of gt.traces.values()) if (t.slow) expect(t.durationNanos < 6n * SECOND).toBe(true);
  });
});

describe('late spans', () => {
  const decisionWaitMs = 7000;
  const r = run({ seed: 'late', traces: 500, lateRate: 0.2, duplicateRate: 0, decisionWaitMs });

  it('delivers about lateRate of traces one span after last on-time arrival + decision wait', () => {
    const late = r.deliveries.filter((d) => d.late);
    expect(Math.abs(late.length / 500 - 0.2)).toBeLessThan(0.08);
    expect(r.groundTruth.lateDeliveries).toBe(late.length);
    for (const l of late) {
      const onTime = r.deliveries.filter((d) => d.span.traceId === l.span.traceId && !d.late);
      expect(onTime.length).toBeGreaterThan(0);
      const lastOnTime = Math.max(...onTime.map((d) => d.arrivalMs));
      expect(l.arrivalMs).toBeGreaterThanOrEqual(lastOnTime + decisionWaitMs + 1000);
      expect(l.span.parentSpanId).not.toBe('');
      expect(onTime.some((d) => d.span.spanId === l.span.spanId)).toBe(false);
    }
  });
});

describe('duplicates', () => {
  it('re-delivers about duplicateRate of spans later, with identical content', () => {
    const r = run({ seed: 'dup', traces: 300, duplicateRate: 0.05, lateRate: 0 });
    const firstSeen = new Map<string, { span: Span; arrivalMs: number }>();
    let dups = 0;
    for (const d of r.deliveries) {
      const prior = firstSeen.get(d.span.spanId);
      if (!d.duplicate) {
        expect(prior).toBeUndefined();
        firstSeen.set(d.span.spanId, d);
        continue;
      }
      dups++;
      expect(prior).toBeDefined();
      expect(d.span).toEqual(prior?.span);
      expect(d.span).not.toBe(prior?.span);
      expect(d.arrivalMs).toBeGreaterThan(prior?.arrivalMs ?? Infinity);
    }
    expect(Math.abs(dups / firstSeen.size - 0.05)).toBeLessThan(0.015);
    expect(r.groundTruth.duplicateDeliveries).toBe(dups);
    expect(r.groundTruth.spanCount).toBe(firstSeen.size);
  });
});

describe('arrival order', () => {
  const arrivedBeforeParent = (deliveries: readonly { span: Span }[]): number => {
    const seen = new Set<string>();
    let n = 0;
    for (const d of deliveries) {
      if (d.span.parentSpanId !== '' && !seen.has(d.span.parentSpanId)) n++;
      seen.add(d.span.spanId);
    }
    return n;
  };

  it('out of order: children usually arrive before parents, spread over several export ticks', () => {
    const r = run({ seed: 'ooo', traces: 300, outOfOrder: true, lateRate: 0, duplicateRate: 0 });
    expect(arrivedBeforeParent(r.deliveries)).toBeGreaterThan(r.deliveries.length / 2);
    const spread = [...tracesOf(r.deliveries).keys()].filter((id) => new Set(r.deliveries.filter((d) => d.span.traceId === id).map((d) => d.arrivalMs)).size > 1);
    expect(spread.length).toBeGreaterThan(100);
  });

  it('in order: every span arrives after its parent', () => {
    const r = run({ seed: 'io', traces: 300, outOfOrder: false, lateRate: 0, duplicateRate: 0 });
    expect(arrivedBeforeParent(r.deliveries)).toBe(0);
  });

  it('interleaves concurrent traces', () => {
    const r = run({ seed: 'mix', traces: 300, tracesPerSecond: 300, lateRate: 0, duplicateRate: 0 });
    const runs = new Map<string, number>();
    let prev = '';
    for (const d of r.deliveries) {
      if (d.span.traceId !== prev) runs.set(d.span.traceId, (runs.get(d.span.traceId) ?? 0) + 1);
      prev = d.span.traceId;
    }
    expect([...runs.values()].filter((n) => n > 1).length).toBeGreaterThan(150);
  });
});
