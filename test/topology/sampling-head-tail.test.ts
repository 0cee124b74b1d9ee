/**
 * Head and tail sampling compose: traces an SDK head-sampled (Jaeger `sampler.param`, OTel
 * tracestate `ot=th:`) and the tail kept 1 in 5 carry rate 5 / p, so summing kept traces'
 * rates estimates the traffic before either sampler (a seeded workload, through the topology).
 */
import { describe, expect, it } from 'vitest';
import type { Span } from '../../src/model/span.ts';
import { Rng } from '../../src/workload/random.ts';
import { localSampling } from '../fixtures/workload-local.ts';
import { span } from '../unit/edges/span-factory.ts';

const START_MS = 1_800_000_000_000;
const TICK_MS = 100;
const PER_OPERATION = 12_000;
const CHUNK = 4_000;

/** How each operation's SDK samples at the head, and how its root span says so. */
const OPERATIONS: readonly { name: string; p: number; mark: (s: Span) => Span }[] = [
  { name: 'jaeger-half', p: 0.5, mark: (s) => ({ ...s, attributes: [{ key: 'sampler.type', value: { type: 'string', value: 'probabilistic' } }, { key: 'sampler.param', value: { type: 'double', value: 0.5 } }] }) },
  { name: 'otel-quarter', p: 0.25, mark: (s) => ({ ...s, traceState: 'ot=th:c' }) },
  { name: 'unsampled', p: 1, mark: (s) => s },
];

describe('head × tail sample rates (through the topology)', () => {
  it('each kept trace carries tail rate × head rate, and the re-weighted counts estimate the traffic before both', async () => {
    const local = await localSampling(`
decision_wait: 1s
num_traces: ${2 * CHUNK}
policies:
  - { name: tail-20, type: probabilistic, probabilistic: { hash_salt: head-tail, sampling_percentage: 20 } }
`, { wallClockMs: START_MS, tickMs: TICK_MS });
    try {
      const rng = new Rng('head-tail-workload');
      const weighted = new Map<string, number>();
      const kept = new Map<string, number>();
      for (let done = 0; done < PER_OPERATION; done += CHUNK) {
        for (let i = 0; i < CHUNK; i++) {
          for (const op of OPERATIONS) {
            const traceId = rng.hexId(16);
            if (!rng.chance(op.p)) continue; // the SDK's head sampler dropped it: tailstream never sees it
            local.append([op.mark(span({ id: 1, service: 'shop', kind: 'server', name: op.name, traceId }))]);
          }
        }
        await local.drain();
        await local.advance(1_000 + TICK_MS);
        // A tick decides up to 5 000 due traces: tick until none is left in flight.
        while (local.metrics.tracesInFlight.get({ task: 0 }) > 0) await local.advance(TICK_MS);
        for (const t of local.takeSampled()) {
          const op = OPERATIONS.find((o) => o.name === t.spans[0]?.name);
          expect(op).toBeDefined();
          expect(t.decision.sampleRate).toBe(5 / (op?.p ?? 1));
          if (op?.p !== 1) expect(t.decision.reason).toMatch(/head-sampled 1 in \d/);
          weighted.set(t.spans[0]?.name ?? '', (weighted.get(t.spans[0]?.name ?? '') ?? 0) + t.decision.sampleRate);
          kept.set(t.spans[0]?.name ?? '', (kept.get(t.spans[0]?.name ?? '') ?? 0) + 1);
        }
      }
      for (const op of OPERATIONS) {
        const n = kept.get(op.name) ?? 0;
        // Binomial sd of the estimate relative to the truth: sqrt((1/q - 1) / N) with q = 0.2 p; 4 sd of slack.
        const sd = Math.sqrt((1 / (0.2 * op.p) - 1) / PER_OPERATION);
        const estimate = (weighted.get(op.name) ?? 0) / PER_OPERATION;
        expect(n, op.name).toBeGreaterThan(0);
        expect(Math.abs(estimate - 1), `${op.name}: re-weighted ${weighted.get(op.name)} of ${PER_OPERATION}`).toBeLessThan(4 * sd);
      }
    } finally {
      await local.close();
    }
  }, 120_000);
});
