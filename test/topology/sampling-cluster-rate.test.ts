/**
 * A configured rate budget means the whole cluster: each task applies its share (budget /
 * partitions of raw-spans), so one task and six tasks over the same traffic keep the same
 * rate. Before the split, each of six tasks had the whole budget and kept six times as much.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/workload/random.ts';
import { localSampling } from '../fixtures/workload-local.ts';
import { span } from '../unit/edges/span-factory.ts';

const START_MS = 1_800_000_000_000;
const TICK_MS = 100;
const SECONDS = 30;
/** 20 traces of 5 spans per 100 ms: 1 000 spans/s offered. */
const TRACES_PER_STEP = 20;
const SPANS_PER_TRACE = 5;

async function keptSpansPerSecond(configYaml: string, partitions: number): Promise<number> {
  const local = await localSampling(configYaml, { wallClockMs: START_MS, tickMs: TICK_MS, partitions });
  try {
    const rng = new Rng('cluster-rate');
    let kept = 0;
    for (let step = 0; step < (SECONDS * 1000) / TICK_MS; step++) {
      for (let t = 0; t < TRACES_PER_STEP; t++) {
        const traceId = rng.hexId(16);
        local.append(Array.from({ length: SPANS_PER_TRACE }, (_, i) => span({ id: i + 1, ...(i > 0 ? { parent: 1 } : {}), service: 'frontend', kind: 'server', traceId })));
      }
      await local.drain();
      await local.advance(TICK_MS);
      for (const s of local.takeSampled()) kept += s.spans.length;
    }
    // Let the last traces be decided; what was decided after the offered period is counted too.
    await local.advance(2_000);
    for (const s of local.takeSampled()) kept += s.spans.length;
    expect(local.metrics.decisions.total()).toBe((SECONDS * 1000 * TRACES_PER_STEP) / TICK_MS);
    return kept / SECONDS;
  } finally {
    await local.close();
  }
}

describe('cluster-wide rate budgets', () => {
  it.each([
    ['rate_limiting', '{ name: budget, type: rate_limiting, rate_limiting: { spans_per_second: 300 } }', 300],
    ['composite', '{ name: budget, type: composite, composite: { max_total_spans_per_second: 300, policy_order: [all], composite_sub_policy: [{ name: all, type: always_sample }] } }', 300],
    ['bytes_limiting', '{ name: budget, type: bytes_limiting, bytes_limiting: { bytes_per_second: 30000, burst_capacity: 30000 } }', undefined],
    // 200 traces/s of one key against 40 traces/s: each task aims at 40 / tasks of what it sees.
    ['adaptive', '{ name: budget, type: adaptive, adaptive: { target_traces_per_second: 40, key_fields: [service.name], adjustment_interval: 2s } }', undefined],
  ])('%s: 1 task and 6 tasks keep the same spans per second', async (_name, policy, target) => {
    const config = `\ndecision_wait: 1s\npolicies:\n  - ${policy}\n`;
    const one = await keptSpansPerSecond(config, 1);
    const six = await keptSpansPerSecond(config, 6);
    expect(Math.abs(six - one) / one).toBeLessThan(0.05);
    if (target !== undefined) expect(Math.abs(one - target) / target).toBeLessThan(0.05);
  }, 120_000);
});
