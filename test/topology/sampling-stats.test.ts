/**
 * Sampling statistics from 100 % of decisions: a seeded workload through the tail-sampling
 * and sink topologies (two tasks each, change-logged stores) into chdb, checked against
 * ground truth computed from the workload alone — on the topic, in `sampling_decisions`
 * and its rollups, and through GET /api/sampling/stats.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueryApp } from '../../src/query/app.ts';
import type { SamplingStats } from '../../src/query/sampling-stats.ts';
import { openTestClickHouse, type TestClickHouse } from '../fixtures/clickhouse.ts';
import { serve } from '../fixtures/query.ts';
import { statsPipeline, statsWorkload, sumBy, truthBy, type PlannedTrace, type StatsPipeline, type Truth } from '../fixtures/sampling-stats.ts';

const START_MS = Date.UTC(2026, 10, 30, 10, 0, 0);
const TRACES = 900;
const SECONDS = 180;

let ch: TestClickHouse;
let pipe: StatsPipeline;
let plan: PlannedTrace[];

beforeAll(async () => {
  ch = await openTestClickHouse({ spansTtlDays: 0, errorTtlDays: 0, minuteTtlDays: 0, hourTtlDays: 0 });
  plan = statsWorkload(TRACES, SECONDS);
  pipe = await statsPipeline(ch.client, { startMs: START_MS });
  await pipe.run(plan);
}, 300_000);
afterAll(async () => {
  await pipe?.close();
  await ch?.close();
});

const byAll = (e: { policy: string; service: string; reason: string }): string => `${e.policy}|${e.service}|${e.reason}`;
type ChRow = Truth & { policy: string; service: string; reason: string };
const chRows = (table: string): Promise<ChRow[]> =>
  ch.rows<Record<string, string>>(
    `SELECT policy, service, reason, sum(traces) AS traces, sum(traces_kept) AS kept, sum(spans) AS spans, sum(spans_kept) AS spans_kept FROM ${table} GROUP BY policy, service, reason`,
  ).then((rows) => rows.map((r) => ({ policy: String(r['policy']), service: String(r['service']), reason: String(r['reason']), traces: Number(r['traces']), tracesKept: Number(r['kept']), spans: Number(r['spans']), spansKept: Number(r['spans_kept']) })));

describe('sampling statistics against the workload ground truth', () => {
  it('every trace is decided once, as the policies say, and the workload covers every case', () => {
    expect(pipe.metrics.decisions.total()).toBe(TRACES);
    const kept = pipe.keptTraces();
    expect(kept).toEqual(new Map(plan.filter((t) => t.expected.kept).map((t) => [t.traceId, t.expected.policy])));
    const cases = truthBy(plan, byAll);
    for (const policy of ['errors', 'slow', 'probabilistic-25']) for (const reason of ['root_seen', 'decision_wait']) {
      expect([...cases.keys()].some((k) => k.startsWith(`${policy}|`) && k.endsWith(`|${reason}`)), `${policy} ${reason}`).toBe(true);
    }
  });

  it('the sampling-decisions topic sums to the ground truth per policy, service and reason, with one-minute windows', () => {
    const rows = pipe.decisionRows();
    expect(sumBy(rows, byAll)).toEqual(truthBy(plan, byAll));
    expect(new Set(rows.map((r) => r.windowStartMs % 60_000))).toEqual(new Set([0]));
    expect(new Set(rows.map((r) => r.windowStartMs)).size).toBeGreaterThanOrEqual(3);
    const targets = new Map(rows.map((r) => [r.policy, `${r.targetKind}=${r.target}`]));
    expect(targets).toEqual(new Map([['errors', '=0'], ['slow', '=0'], ['probabilistic-25', 'sampling_percentage=25']]));
  });

  it.each(['sampling_decisions', 'sampling_decisions_1h', 'sampling_decisions_1d'])('%s holds exactly the ground truth', async (table) => {
    expect(sumBy(await chRows(table), byAll)).toEqual(truthBy(plan, byAll));
  });

  it('GET /api/sampling/stats answers the ground truth per policy and per service, and who kept what', async () => {
    const http = await serve(createQueryApp({ client: ch.client, database: 'tailstream' }));
    try {
      const res = await fetch(`${http.url}/api/sampling/stats?from=${START_MS}&to=${START_MS + 10 * 60_000}`);
      expect(res.status).toBe(200);
      const stats = ((await res.json()) as { data: SamplingStats }).data;
      const strip = (m: Map<string, Truth>) => new Map([...m].map(([k, v]) => [k, { ...v, tracesDropped: v.traces - v.tracesKept, spansDropped: v.spans - v.spansKept }]));
      const pick = (c: Truth & { tracesDropped: number; spansDropped: number }) => ({ traces: c.traces, tracesKept: c.tracesKept, spans: c.spans, spansKept: c.spansKept, tracesDropped: c.tracesDropped, spansDropped: c.spansDropped });
      expect(new Map(stats.policies.map((p) => [p.policy, pick(p)]))).toEqual(strip(truthBy(plan, (e) => e.policy)));
      expect(new Map(stats.services.map((s) => [s.service, pick(s)]))).toEqual(strip(truthBy(plan, (e) => e.service)));
      expect(new Map(stats.reasons.map((s) => [s.reason, pick(s)]))).toEqual(strip(truthBy(plan, (e) => e.reason)));
      for (const s of stats.services) {
        const keptBy = truthBy(plan.filter((t) => t.expected.service === s.service && t.expected.kept), (e) => e.policy);
        expect(s.keptBy).toEqual(Object.fromEntries([...keptBy].map(([p, v]) => [p, v.tracesKept])));
      }
      const prob = stats.policies.find((p) => p.policy === 'probabilistic-25');
      const truth = truthBy(plan, (e) => e.policy).get('probabilistic-25') as Truth;
      expect(prob).toMatchObject({ targetKind: 'sampling_percentage', target: 25, actual: (100 * truth.tracesKept) / truth.traces });
      expect(stats.series.reduce((n, p) => n + p.traces, 0)).toBe(TRACES);

      const one = ((await (await fetch(`${http.url}/api/sampling/stats?from=${START_MS}&to=${START_MS + 10 * 60_000}&service=checkout&policy=errors`)).json()) as { data: SamplingStats }).data;
      expect(one.policies.map((p) => p.policy)).toEqual(['errors']);
      expect(one.totals.traces).toBe(truthBy(plan.filter((t) => t.expected.service === 'checkout'), (e) => e.policy).get('errors')?.traces);

      const bad = await fetch(`${http.url}/api/sampling/stats?from=yesterday`);
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ data: null, errors: [{ code: 400, msg: expect.stringContaining("'from'") as unknown }] });
    } finally {
      await http.close();
    }
  });
});
