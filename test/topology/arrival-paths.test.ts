/**
 * Spans arrive as skeletons (serde/span-arrival.ts) instead of full decodes: the same seeded
 * workload through both arrival paths must keep the same traces with the same spans, and
 * give the same edges, span metrics and dead letters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Span } from '../../src/model/span.ts';
import { generateWorkload } from '../../src/workload/generator.ts';
import { samplingHarness, type SamplingHarness } from '../fixtures/tail-sampling.ts';
import { clockTo, replay, type ReplayLog } from '../fixtures/workload-replay.ts';

const START_MS = 1_800_000_000_000;
const POLICIES = `
decision_wait: 5s
max_spans_per_trace: 200
policies:
  - { name: errors, type: status_code, status_code: { status_codes: [ERROR] } }
  - { name: slow, type: latency, latency: { threshold_ms: 1000 } }
  - { name: probabilistic-20, type: probabilistic, probabilistic: { sampling_percentage: 20 } }
`;

interface Run {
  readonly h: SamplingHarness;
  readonly log: ReplayLog;
}

async function run(arrivalSkeletons: boolean): Promise<Run> {
  const h = await samplingHarness(POLICIES, { wallClockMs: START_MS, tickMs: 100, arrivalSkeletons });
  const w = generateWorkload({ seed: 'arrival-paths', traces: 400, startMs: START_MS + 1_000, errorRate: 0.05, slowRate: 0.05, lateRate: 0.02, duplicateRate: 0.01, decisionWaitMs: 5_000 });
  const deliveries = [...w.deliveries];
  // One record keyed by neither of its two traces: it goes through the repartition topic.
  const mixed: Span[] = deliveries.slice(0, 40).map((d) => d.span);
  await h.send(mixed, 'pod-7');
  const log = await replay(h, deliveries.slice(40), { stepMs: 100, drainMs: 20_000 });
  // Past the last one-minute window, so every window is flushed.
  await clockTo(h, h.driver.clock.now() + 120_000, 1_000, log);
  return { h, log };
}

const byTrace = <T extends { traceId: string }>(xs: readonly T[]): T[] => [...xs].sort((a, b) => (a.traceId < b.traceId ? -1 : a.traceId > b.traceId ? 1 : 0));

describe('the two arrival paths on the seeded workload', () => {
  let skeleton: Run;
  let fullDecode: Run;

  beforeAll(async () => {
    skeleton = await run(true);
    fullDecode = await run(false);
  }, 120_000);
  afterAll(async () => {
    await skeleton?.h.driver.close();
    await fullDecode?.h.driver.close();
  });

  it('keeps the same traces with the same spans and decisions', () => {
    const a = byTrace(skeleton.log.sampled);
    expect(a.length).toBeGreaterThan(50);
    expect(a).toEqual(byTrace(fullDecode.log.sampled));
    expect(a.some((t) => t.decision.late)).toBe(true);
  });

  it('gives the same edges and span metrics', () => {
    const edges = skeleton.h.edges();
    const metrics = skeleton.h.spanMetrics();
    expect(edges.length).toBeGreaterThan(0);
    expect(metrics.length).toBeGreaterThan(0);
    expect(edges).toEqual(fullDecode.h.edges());
    expect(metrics).toEqual(fullDecode.h.spanMetrics());
  });

  it('counts the same retries, late spans, decisions and repartitioned records, and sends no dead letters', () => {
    const counts = ({ h: { metrics: m } }: Run) => ({
      duplicates: m.duplicateSpans.total(),
      late: m.lateSpans.samples(),
      decisions: m.decisions.samples(),
      repartitioned: m.repartitioned.total(),
    });
    const a = counts(skeleton);
    expect(a.duplicates).toBeGreaterThan(0);
    expect(a.repartitioned).toBeGreaterThan(0);
    expect(a).toEqual(counts(fullDecode));
    expect(skeleton.h.deadLetters()).toEqual([]);
    expect(fullDecode.h.deadLetters()).toEqual([]);
  });
});
