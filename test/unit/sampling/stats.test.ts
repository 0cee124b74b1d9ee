import { describe, expect, it } from 'vitest';
import { summarizeSamplingStats } from '../../../src/query/sampling-stats.ts';
import type { DecisionBucketRow } from '../../../src/query/sampling-stats-sql.ts';
import { parseSamplingConfigText } from '../../../src/sampling/config.ts';
import { mergeStatsRows, statsKey, statsKeysFrom, statsRowOf } from '../../../src/sampling/stats/stats-row.ts';
import { policyTargets } from '../../../src/sampling/stats/targets.ts';
import { samplingStatsSerde } from '../../../src/serde/avro-sampling-stats.ts';
import { InProcessRegistry } from '../../../src/serde/registry.ts';
import type { DecisionStat } from '../../../src/model/sampling-stats.ts';

const decision = (o: Partial<DecisionStat> = {}): DecisionStat => ({ decidedAtMs: 120_500, sampled: true, policy: 'p', service: 's', reason: 'root_seen', spans: 3, sampleRate: 1, ...o });

describe('policy targets', () => {
  const targetOf = policyTargets(parseSamplingConfigText(`
policies:
  - { name: errors, type: status_code, status_code: { status_codes: [ERROR] } }
  - { name: ten, type: probabilistic, probabilistic: { sampling_percentage: 10 } }
  - { name: rate, type: rate_limiting, rate_limiting: { spans_per_second: 500 } }
  - { name: bytes, type: bytes_limiting, bytes_limiting: { bytes_per_second: 9000 } }
  - { name: ada, type: adaptive, adaptive: { target_traces_per_second: 3 } }
  - { name: comp, type: composite, composite: { max_total_spans_per_second: 800, policy_order: [all], composite_sub_policy: [{ name: all, type: always_sample }] } }
`).policies);
  it.each([
    ['errors', '', 0],
    ['ten', 'sampling_percentage', 10],
    ['rate', 'spans_per_second', 500],
    ['bytes', 'bytes_per_second', 9000],
    ['ada', 'traces_per_second_per_key', 3],
    ['comp', 'spans_per_second', 800],
    ['not configured', '', 0],
  ])('%s → %s %d (cluster-wide, as configured)', (policy, kind, value) => {
    expect(targetOf(policy)).toEqual({ kind, value });
  });
});

describe('stats rows', () => {
  it('a decision is one trace in the minute it was made; drops count as seen only', () => {
    const kept = statsRowOf(decision(), { kind: '', value: 0 }, 60_000);
    const dropped = statsRowOf(decision({ sampled: false, spans: 4 }), { kind: '', value: 0 }, 60_000);
    expect(kept).toMatchObject({ windowStartMs: 120_000, traces: 1, tracesKept: 1, spans: 3, spansKept: 3 });
    expect(mergeStatsRows(kept, dropped)).toMatchObject({ traces: 2, tracesKept: 1, spans: 7, spansKept: 3 });
  });

  it('keys keep names with separators apart and sort by window first', () => {
    const a = statsKey({ windowStartMs: 60_000, policy: 'a|b', service: 'c', reason: 'r' });
    const b = statsKey({ windowStartMs: 60_000, policy: 'a', service: 'b|c', reason: 'r' });
    expect(a).not.toBe(b);
    expect(statsKeysFrom(60_000) <= a && a < statsKeysFrom(120_000)).toBe(true);
    const other = statsRowOf(decision({ policy: 'q' }), { kind: '', value: 0 }, 60_000);
    expect(() => mergeStatsRows(statsRowOf(decision(), { kind: '', value: 0 }, 60_000), other)).toThrow(/cannot merge/);
  });
});

describe('summarizeSamplingStats', () => {
  const row = (o: Partial<DecisionBucketRow>): DecisionBucketRow => ({ t: 0, policy: 'p', service: 's', reason: 'root_seen', targetKind: '', target: 0, traces: 0, tracesKept: 0, spans: 0, spansKept: 0, ...o });
  const rows = [
    row({ t: 0, policy: 'ada', service: 'a', targetKind: 'traces_per_second_per_key', target: 1, traces: 100, tracesKept: 60, spans: 200, spansKept: 120 }),
    row({ t: 0, policy: 'ada', service: 'b', targetKind: 'traces_per_second_per_key', target: 1, traces: 80, tracesKept: 60, spans: 160, spansKept: 120 }),
    row({ t: 60_000, policy: 'ten', service: 'a', reason: 'decision_wait', targetKind: 'sampling_percentage', target: 10, traces: 200, tracesKept: 22, spans: 400, spansKept: 44 }),
    row({ t: 60_000, policy: 'errors', service: 'b', traces: 5, tracesKept: 5, spans: 10, spansKept: 10 }),
  ];
  const s = summarizeSamplingStats(rows, { fromMs: 0, toMs: 3_600_000, stepMs: 60_000 });

  it('totals, per service with who kept what, per reason', () => {
    expect(s.totals).toEqual({ traces: 385, tracesKept: 147, tracesDropped: 238, spans: 770, spansKept: 294, spansDropped: 476 });
    expect(s.services.find((x) => x.service === 'b')).toMatchObject({ traces: 85, tracesKept: 65, keptBy: { ada: 60, errors: 5 } });
    expect(s.reasons.map((r) => [r.reason, r.traces])).toEqual([['root_seen', 185], ['decision_wait', 200]]);
  });

  it('actual in the target unit, over the minutes the policy decided in', () => {
    expect(s.policies.find((p) => p.policy === 'ada')).toMatchObject({ target: 1, services: 2, activeSeconds: 60, actual: 120 / 60 / 2 });
    expect(s.policies.find((p) => p.policy === 'ten')).toMatchObject({ target: 10, actual: 11 });
    expect(s.policies.find((p) => p.policy === 'errors')).toMatchObject({ target: null, actual: null });
    expect(s.series.map((p) => [p.time, p.policy])).toEqual([[0, 'ada'], [60_000, 'ten'], [60_000, 'errors']]);
  });
});

describe('SamplingDecisions Avro serde', () => {
  it('round-trips a row exactly, counts past 2^32 included', async () => {
    const serde = await samplingStatsSerde(InProcessRegistry.fromDir());
    const row = { ...statsRowOf(decision({ policy: 'ada|x', service: 'checkout' }), { kind: 'traces_per_second_per_key' as const, value: 2.5 }, 60_000), traces: 2 ** 33, spans: 2 ** 40 };
    expect(serde.deserialize(serde.serialize(row))).toEqual(row);
  });
});
