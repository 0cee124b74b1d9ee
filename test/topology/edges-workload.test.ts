/**
 * Dependency edges and span metrics on a seeded workload with a known call graph (issue 5,
 * "what must show"): computed from every trace before sampling, so they equal the ground
 * truth exactly whatever the sampling rate. Late spans (after their trace's decision) add
 * no edges by design, so this workload has none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DependencyEdge, SpanMetrics } from '../../src/edges/types.ts';
import { generateWorkload, type WorkloadOptions } from '../../src/workload/generator.ts';
import { edgeKey, nodesOf, type GroundTruth } from '../../src/workload/ground-truth.ts';
import { samplingHarness, type SamplingHarness } from '../fixtures/tail-sampling.ts';
import { replay, type ReplayLog } from '../fixtures/workload-replay.ts';

const START_MS = 1_800_000_000_000;
const DECISION_WAIT_MS = 5_000;
const TICK_MS = 100;
const FLUSH_DELAY_MS = 10_000;

const WORKLOAD: WorkloadOptions = {
  seed: 'edges-workload',
  traces: 1_000,
  startMs: START_MS + 1_000,
  errorRate: 0.05,
  slowRate: 0.02,
  lateRate: 0,
  duplicateRate: 0.005,
  decisionWaitMs: DECISION_WAIT_MS,
};

const config = (policies: string) => `
decision_wait: ${DECISION_WAIT_MS}ms
policies:
${policies}
`;
const DEFAULTS = config(`  - { name: errors, type: status_code, status_code: { status_codes: [ERROR] } }
  - { name: slow, type: latency, latency: { threshold_ms: 1000 } }
  - { name: probabilistic-10, type: probabilistic, probabilistic: { sampling_percentage: 10 } }`);
const ONE_PERCENT = config(`  - { name: probabilistic-1, type: probabilistic, probabilistic: { sampling_percentage: 1 } }`);

interface Run {
  readonly gt: GroundTruth;
  readonly log: ReplayLog;
  readonly edges: DependencyEdge[];
  readonly metrics: SpanMetrics[];
  readonly h: SamplingHarness;
}

async function run(policies: string): Promise<Run> {
  const h = await samplingHarness(policies, { wallClockMs: START_MS, tickMs: TICK_MS, windowFlushDelayMs: FLUSH_DELAY_MS });
  const w = generateWorkload(WORKLOAD);
  // Past every decision, then past the end of the last window plus the flush delay.
  const log = await replay(h, w.deliveries, { stepMs: TICK_MS, drainMs: DECISION_WAIT_MS + 60_000 + FLUSH_DELAY_MS + TICK_MS });
  return { gt: w.groundTruth, log, edges: h.edges(), metrics: h.spanMetrics(), h };
}

/** `parent|child|type` → calls, summed over windows and tasks. */
function edgeTotals(edges: readonly DependencyEdge[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of edges) {
    const k = edgeKey(e.parent, e.child, e.connectionType);
    out.set(k, (out.get(k) ?? 0) + e.calls);
  }
  return out;
}

const sorted = (m: ReadonlyMap<string, number>) => [...m].sort(([a], [b]) => a.localeCompare(b));

describe('dependency edges and span metrics on a seeded workload (1 000 traces)', () => {
  let all: Run;
  let onePercent: Run;
  beforeAll(async () => {
    all = await run(DEFAULTS);
    onePercent = await run(ONE_PERCENT);
  }, 120_000);
  afterAll(async () => {
    await all?.h.driver.close();
    await onePercent?.h.driver.close();
  });

  it('the workload has the call graph under test: ≥ 20 services, database, messaging and stripe-api edges', () => {
    const { gt } = all;
    const services = new Set([...gt.edges.keys()].flatMap((k) => k.split('|').slice(0, 2)).filter((n) => !n.includes(':') && n !== 'stripe-api'));
    expect(services.size).toBeGreaterThanOrEqual(20);
    expect(nodesOf(gt).has('stripe-api')).toBe(true);
    const types = new Set([...gt.edges.keys()].map((k) => k.split('|')[2]));
    for (const t of ['database', 'messaging', 'http', 'rpc']) expect(types.has(t), t).toBe(true);
    expect(gt.lateDeliveries).toBe(0);
    expect(gt.duplicateDeliveries).toBeGreaterThan(0);
  });

  it('edges summed per parent|child|type equal the ground truth exactly', () => {
    expect(sorted(edgeTotals(all.edges))).toEqual(sorted(all.gt.edges));
    expect(all.edges.find((e) => e.child === 'stripe-api')?.virtualChild).toBe(true);
  });

  it('with tail sampling at 1 % the edges are unchanged', () => {
    const kept = new Set(onePercent.log.sampled.map((t) => t.traceId));
    expect(kept.size).toBeGreaterThan(0);
    expect(kept.size).toBeLessThan(30);
    expect(sorted(edgeTotals(onePercent.edges))).toEqual(sorted(onePercent.gt.edges));
    expect(sorted(edgeTotals(onePercent.edges))).toEqual(sorted(edgeTotals(all.edges)));
  });

  it('span metrics count every unique span once, kept or not — plus retries that arrive after the decision', () => {
    for (const r of [all, onePercent]) {
      const calls = r.metrics.reduce((n, m) => n + m.calls, 0);
      // A retried span is stored once while its trace is buffered; once the trace is decided
      // the buffer is gone, and a retry follows the decision like a late span (lateRate is 0,
      // so every such span is a retry) and is counted again.
      const retriesAfterDecision = r.h.metrics.lateSpans.total();
      expect(r.h.metrics.duplicateSpans.total() + retriesAfterDecision).toBe(r.gt.duplicateDeliveries);
      expect(calls).toBe(r.gt.spanCount + retriesAfterDecision);
      expect(retriesAfterDecision).toBeLessThan(r.gt.duplicateDeliveries / 4);
    }
  });
});
