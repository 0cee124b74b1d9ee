/**
 * Tail sampling on a seeded, realistic workload (issue 4, "what must show"): the topology
 * on the test driver, the mock wall clock driven by the deliveries' arrival times.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SampledTrace } from '../../src/model/sampled-trace.ts';
import { generateWorkload, type SpanDelivery } from '../../src/workload/generator.ts';
import { tracesOverLatency, tracesWithErrors, type GroundTruth } from '../../src/workload/ground-truth.ts';
import { samplingHarness, type SamplingHarness } from '../fixtures/tail-sampling.ts';
import { EXPORT_BATCH_SPANS, lastArrivalBefore, replay, spansPerTrace, type ReplayLog } from '../fixtures/workload-replay.ts';

const START_MS = 1_800_000_000_000;
const DECISION_WAIT_MS = 10_000;
const TICK_MS = 100;
const MAX_SPANS = 10_000;
const HUGE_SPANS = 100_000;

const POLICIES = `
decision_wait: ${DECISION_WAIT_MS}ms
max_spans_per_trace: ${MAX_SPANS}
policies:
  - { name: errors, type: status_code, status_code: { status_codes: [ERROR] } }
  - { name: slow, type: latency, latency: { threshold_ms: 1000 } }
  - { name: big, type: span_count, span_count: { min_spans: ${MAX_SPANS} } }
  - { name: probabilistic-10, type: probabilistic, probabilistic: { sampling_percentage: 10 } }
`;

describe('tail sampling on a seeded workload (2 000 traces + one of 100 000 spans)', () => {
  let h: SamplingHarness;
  let gt: GroundTruth;
  let log: ReplayLog;
  /** Every delivery, kept for the span accounting. */
  const deliveries: SpanDelivery[] = [];
  let hugeId = '';

  beforeAll(async () => {
    h = await samplingHarness(POLICIES, { wallClockMs: START_MS, tickMs: TICK_MS });
    const w = generateWorkload({
      seed: 'sampling-workload',
      traces: 2_000,
      startMs: START_MS + 1_000,
      errorRate: 0.04,
      slowRate: 0.04,
      lateRate: 0.01,
      duplicateRate: 0.002,
      decisionWaitMs: DECISION_WAIT_MS,
      hugeTrace: { spans: HUGE_SPANS },
    });
    const tap = function* (): Generator<SpanDelivery> {
      for (const d of w.deliveries) {
        deliveries.push(d);
        yield d;
      }
    };
    log = await replay(h, tap(), { stepMs: TICK_MS, drainMs: 2 * DECISION_WAIT_MS });
    gt = w.groundTruth;
    hugeId = [...gt.traces.values()].find((t) => t.spanCount === HUGE_SPANS)?.traceId ?? '';
  }, 120_000);
  afterAll(async () => h?.driver.close());

  const kept = (): Map<string, SampledTrace> => {
    const out = new Map<string, SampledTrace>();
    for (const t of log.sampled) if (!t.decision.late && !out.has(t.traceId)) out.set(t.traceId, t);
    return out;
  };

  it('replayed the whole workload', () => {
    expect(gt.traceCount).toBe(2_001);
    expect(log.spans).toBe(deliveries.length);
    expect(gt.lateDeliveries).toBeGreaterThan(0);
    expect(gt.duplicateDeliveries).toBeGreaterThan(0);
    expect(h.metrics.tracesInFlight.get({ task: 0 })).toBe(0);
  });

  it('keeps 100 % of the traces with an error', () => {
    const errors = tracesWithErrors(gt);
    expect(errors.size).toBeGreaterThan(50);
    const k = kept();
    const missed = [...errors].filter((id) => !k.has(id));
    expect(missed).toEqual([]);
  });

  it('keeps 100 % of the traces over the latency threshold (root span ≥ 1 s)', () => {
    const slow = tracesOverLatency(gt, 999_999_999n);
    expect(slow.has(hugeId)).toBe(true);
    expect(slow.size).toBeGreaterThan(50);
    const k = kept();
    expect([...slow].filter((id) => !k.has(id))).toEqual([]);
  });

  it('keeps about 10 % of the other traces, each with its policy and rate', () => {
    const k = kept();
    const errors = tracesWithErrors(gt);
    const slow = tracesOverLatency(gt, 999_999_999n);
    const rest = [...gt.traces.keys()].filter((id) => !errors.has(id) && !slow.has(id) && id !== hugeId);
    const rate = rest.filter((id) => k.has(id)).length / rest.length;
    expect(rate).toBeGreaterThan(0.08);
    expect(rate).toBeLessThan(0.12);
    for (const id of rest) {
      const d = k.get(id)?.decision;
      if (d) expect([d.policy, d.sampleRate]).toEqual(['probabilistic-10', 10]);
    }
  });

  it('emits no partial trace: every span of a kept trace, late ones included, exactly once', () => {
    const emitted = spansPerTrace(log.sampled);
    const decidedAt = new Map([...kept()].map(([id, t]) => [id, t.decision.decidedAtMs]));
    // A retried span that arrives after the decision follows it like any late span.
    const duplicatesAfter = new Map<string, number>();
    for (const d of deliveries) {
      const at = decidedAt.get(d.span.traceId);
      if (d.duplicate && at !== undefined && d.arrivalMs > at) duplicatesAfter.set(d.span.traceId, (duplicatesAfter.get(d.span.traceId) ?? 0) + 1);
    }
    const wrong: [string, number, number][] = [];
    for (const [id, n] of emitted) {
      const expected = (gt.traces.get(id)?.spanCount ?? -1) + (duplicatesAfter.get(id) ?? 0);
      if (n !== expected) wrong.push([id, n, expected]);
    }
    expect(wrong).toEqual([]);
    expect(emitted.size).toBe(decidedAt.size);
    // Late spans were part of it: some kept traces got spans after their decision.
    expect(log.sampled.some((t) => t.decision.late && t.traceId !== hugeId)).toBe(true);
  });

  it('decides the huge trace at span_limit; its other spans follow the decision', () => {
    expect(hugeId).not.toBe('');
    const records = log.sampled.filter((t) => t.traceId === hugeId);
    const first = records.find((t) => !t.decision.late);
    expect(first?.decision.reason).toMatch(/^span_limit/);
    expect(first?.decision.policy).toBe('big');
    // The limit is checked after each record, so the decision covers the record that reached it.
    const buffered = records.filter((t) => !t.decision.late).reduce((n, t) => n + t.spans.length, 0);
    expect(buffered).toBeGreaterThanOrEqual(MAX_SPANS);
    expect(buffered).toBeLessThan(MAX_SPANS + EXPORT_BATCH_SPANS);
    expect(spansPerTrace(log.sampled).get(hugeId)).toBe(HUGE_SPANS);
  });

  it('the huge trace delays no other decision beyond decision_wait + 1 s', () => {
    const hugeArrivals = log.arrivals.get(hugeId) ?? [];
    const [from, to] = [hugeArrivals[0] ?? 0, (hugeArrivals[hugeArrivals.length - 1] ?? 0) + DECISION_WAIT_MS];
    let during = 0;
    const slowDecisions: [string, number][] = [];
    for (const [id, t] of kept()) {
      if (id === hugeId) continue;
      const last = lastArrivalBefore(log, id, t.decision.decidedAtMs);
      expect(last, id).toBeDefined();
      const waited = t.decision.decidedAtMs - (last as number);
      if (waited > DECISION_WAIT_MS + 1_000) slowDecisions.push([id, waited]);
      if (t.decision.decidedAtMs >= from && t.decision.decidedAtMs <= to) during++;
    }
    expect(slowDecisions).toEqual([]);
    expect(during).toBeGreaterThan(10); // the claim is about traces decided while it was in flight
  });
});
