/**
 * The probabilistic policy's keep rate over 100 000 traces, through the tail-sampling
 * topology (one-span traces, only that policy: the cheap way to get the count up). Runs on
 * a LocalRuntime with a mock clock that commits per batch, not per record.
 */
import { describe, expect, it } from 'vitest';
import { hashTraceId, keepThreshold } from '../../src/sampling/policies/trace-id-hash.ts';
import { Rng } from '../../src/workload/random.ts';
import { localSampling } from '../fixtures/workload-local.ts';
import { span } from '../unit/edges/span-factory.ts';

const START_MS = 1_800_000_000_000;
const TICK_MS = 100;

describe('probabilistic keep rate over 100 000 traces (through the topology)', () => {
  const TRACES = 100_000;
  const CHUNK = 5_000;
  const CONFIG = `
decision_wait: 1s
num_traces: ${2 * CHUNK}
policies:
  - { name: probabilistic-10, type: probabilistic, probabilistic: { hash_salt: workload, sampling_percentage: 10 } }
`;

  it('keeps 10 % ± 1 point, exactly the traces the trace-id hash selects', async () => {
    const local = await localSampling(CONFIG, { wallClockMs: START_MS, tickMs: TICK_MS });
    try {
      const rng = new Rng('probabilistic-100k');
      const ids: string[] = [];
      const kept = new Set<string>();
      for (let i = 0; i < TRACES; i += CHUNK) {
        for (let j = 0; j < CHUNK; j++) {
          const traceId = rng.hexId(16);
          ids.push(traceId);
          local.append([span({ id: 1, service: 'frontend', kind: 'server', traceId })]);
        }
        await local.drain();
        // The whole chunk is due 1 s later; one tick decides up to 5 000 traces.
        await local.advance(1_000 + TICK_MS);
        for (const s of local.takeSampled()) {
          expect(s.decision).toMatchObject({ policy: 'probabilistic-10', sampleRate: 10, late: false });
          expect(kept.has(s.traceId)).toBe(false);
          kept.add(s.traceId);
        }
        expect(local.metrics.tracesInFlight.get({ task: 0 })).toBe(0);
      }
      const decided = local.metrics.decisions.total();
      expect(decided).toBe(TRACES);
      expect(local.metrics.earlyDecisions.total()).toBe(0);
      const rate = kept.size / TRACES;
      expect(Math.abs(rate - 0.1)).toBeLessThanOrEqual(0.01);
      const threshold = keepThreshold(0.1);
      const expected = ids.filter((id) => hashTraceId('workload', id) <= threshold);
      expect(kept).toEqual(new Set(expected));
    } finally {
      await local.close();
    }
  }, 120_000);
});
