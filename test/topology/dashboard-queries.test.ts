/**
 * Every SQL query of dashboards/tailstream.json (panels and variables), with the ClickHouse
 * data source's macros expanded for a fixed range, runs on chdb over the tables a seeded
 * workload produced through the tail-sampling and sink topologies, and returns the rows the
 * workload's ground truth says.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveEdges } from '../../src/edges/derive-edges.ts';
import { serviceName, StatusCode } from '../../src/model/span.ts';
import { openTestClickHouse, type TestClickHouse } from '../fixtures/clickhouse.ts';
import { dashboardQueries, expandGrafanaSql, type GrafanaContext } from '../fixtures/grafana-macros.ts';
import { statsPipeline, statsWorkload, sumBy, truthBy, type PlannedTrace } from '../fixtures/sampling-stats.ts';

const START_MS = Date.UTC(2026, 10, 30, 9, 0, 0);
const dashboard = JSON.parse(readFileSync(join(import.meta.dirname, '../../dashboards/tailstream.json'), 'utf8')) as Parameters<typeof dashboardQueries>[0];
const queries = dashboardQueries(dashboard);
const ALL: GrafanaContext = { fromMs: START_MS - 60_000, toMs: START_MS + 3_600_000, intervalSeconds: 60, vars: {} };

let ch: TestClickHouse;
let plan: PlannedTrace[];
let decisionRows: { windowStartMs: number; policy: string; traces: number; tracesKept: number; spans: number; spansKept: number }[];

beforeAll(async () => {
  ch = await openTestClickHouse({ spansTtlDays: 0, errorTtlDays: 0, minuteTtlDays: 0, hourTtlDays: 0 });
  plan = statsWorkload(600, 150, 'dashboard', START_MS);
  const pipe = await statsPipeline(ch.client, { startMs: START_MS });
  await pipe.run(plan);
  decisionRows = pipe.decisionRows();
  await pipe.close();
}, 300_000);
afterAll(async () => {
  await ch?.close();
});

const run = (title: string, ctx: GrafanaContext = ALL, ref?: string): Promise<Record<string, unknown>[]> => {
  const q = queries.find((x) => x.where === (ref === undefined ? title : `${title}/${ref}`) || (ref === undefined && x.where === `${title}/A`));
  if (!q) throw new Error(`no query for ${title}`);
  return ch.rows<Record<string, unknown>>(expandGrafanaSql(q.sql, ctx));
};
const n = (v: unknown): number => Number(v);
const minute = (ms: number): number => Math.floor(ms / 60_000) * 60_000;
const timeOf = (v: unknown): number => Date.parse(`${String(v).replace(' ', 'T')}Z`);

/** RED ground truth per (minute, service) from the workload's spans. */
function redTruth(service?: string) {
  const m = new Map<string, { calls: number; errors: number; durNs: bigint }>();
  for (const t of plan) for (const s of t.spans) {
    const svc = serviceName(s);
    if (service !== undefined && svc !== service) continue;
    const k = `${minute(Number(s.startTimeUnixNano / 1_000_000n))}|${svc}`;
    const c = m.get(k) ?? { calls: 0, errors: 0, durNs: 0n };
    m.set(k, { calls: c.calls + 1, errors: c.errors + (s.status.code === StatusCode.ERROR ? 1 : 0), durNs: c.durNs + (s.endTimeUnixNano - s.startTimeUnixNano) });
  }
  return m;
}

describe('dashboards/tailstream.json queries on chdb', () => {
  it('has the panels the dashboard promises, on the ClickHouse data source', () => {
    expect(queries.map((q) => q.where)).toEqual(expect.arrayContaining(['Service graph/nodes', 'Service graph/edges', 'Requests per second/A', 'Operations: rate, errors, latency/A', 'Per policy/A', 'Actual vs target/A', '$service', '$policy']));
    const types = JSON.stringify(dashboard).match(/"type": ?"grafana-clickhouse-datasource"/g) ?? [];
    expect(types.length).toBeGreaterThanOrEqual(queries.length);
  });

  it.each(queries.map((q) => [q.where, q.sql] as const))('%s runs and returns rows', async (_where, sql) => {
    for (const vars of [{}, { service: ['checkout'], policy: ['probabilistic-25'] }] as GrafanaContext['vars'][]) {
      const rows = await ch.rows(expandGrafanaSql(sql, { ...ALL, vars }));
      expect(rows.length).toBeGreaterThan(0);
    }
  });

  it('service graph: nodes and edges are the workload edges, calls and error rates exact', async () => {
    const edges = new Map<string, { calls: number; errors: number }>();
    for (const t of plan) for (const e of deriveEdges(t.spans)) {
      const k = `${e.parent} -> ${e.child} (${e.connectionType})`;
      const c = edges.get(k) ?? { calls: 0, errors: 0 };
      edges.set(k, { calls: c.calls + 1, errors: c.errors + (e.error ? 1 : 0) });
    }
    expect(edges.size).toBeGreaterThan(0);
    const got = await run('Service graph', ALL, 'edges');
    expect(new Map(got.map((r) => [String(r['id']), n(r['mainstat'])]))).toEqual(new Map([...edges].map(([k, v]) => [k, v.calls])));
    for (const r of got) expect(String(r['id'])).toBe(`${String(r['source'])} -> ${String(r['target'])}${String(r['id']).slice(String(r['id']).indexOf(' ('))}`);
    const inbound = new Map<string, { calls: number; errors: number }>();
    for (const [k, v] of edges) {
      const [parent, rest] = k.split(' -> ') as [string, string];
      const child = rest.slice(0, rest.indexOf(' ('));
      for (const [node, add] of [[parent, { calls: 0, errors: 0 }], [child, v]] as const) {
        const c = inbound.get(node) ?? { calls: 0, errors: 0 };
        inbound.set(node, { calls: c.calls + add.calls, errors: c.errors + add.errors });
      }
    }
    const nodes = await run('Service graph', ALL, 'nodes');
    expect(new Map(nodes.map((r) => [String(r['id']), [n(r['mainstat']), n(r['secondarystat']), n(r['arc__success']) + n(r['arc__errors'])]]))).toEqual(
      new Map([...inbound].map(([k, v]) => [k, [v.calls, v.calls === 0 ? 0 : v.errors / v.calls, 1]])),
    );
  });

  it.each([
    ['Requests per second', 'rps', (c: { calls: number }) => c.calls / 60],
    ['Error rate', 'error_rate', (c: { calls: number; errors: number }) => c.errors / c.calls],
    ['Mean duration', 'mean_ms', (c: { calls: number; durNs: bigint }) => Number(c.durNs) / c.calls / 1e6],
  ] as const)('%s per service and minute is exact, for all services and for one', async (title, col, value) => {
    for (const service of [undefined, 'checkout']) {
      const rows = await run(title, { ...ALL, vars: service ? { service: [service] } : {} });
      const truth = redTruth(service);
      expect(new Map(rows.map((r) => [`${timeOf(r['time'])}|${String(r['service'])}`, n(r[col])]))).toEqual(new Map([...truth].map(([k, c]) => [k, value(c as never)])));
    }
  });

  it('operations table: calls and errors per service and operation are exact', async () => {
    const truth = new Map<string, [number, number]>();
    for (const t of plan) for (const s of t.spans) {
      const k = `${serviceName(s)}|${s.name}`;
      const [c, e] = truth.get(k) ?? [0, 0];
      truth.set(k, [c + 1, e + (s.status.code === StatusCode.ERROR ? 1 : 0)]);
    }
    const rows = await run('Operations: rate, errors, latency');
    expect(new Map(rows.map((r) => [`${String(r['service'])}|${String(r['operation'])}`, [n(r['calls']), n(r['errors'])]]))).toEqual(truth);
    for (const r of rows) expect(n(r['p50_ms'])).toBeLessThanOrEqual(n(r['p99_ms']));
  });

  it('sampling panels: per policy, per service and policy, per reason and per minute are exact', async () => {
    const pick = (r: Record<string, unknown>) => ({ traces: n(r['seen']), tracesKept: n(r['kept']) });
    const strip = (m: Map<string, { traces: number; tracesKept: number }>) => new Map([...m].map(([k, v]) => [k, { traces: v.traces, tracesKept: v.tracesKept }]));
    expect(new Map((await run('Per policy')).map((r) => [String(r['policy']), pick(r)]))).toEqual(strip(truthBy(plan, (e) => e.policy)));
    expect(new Map((await run('Which policy kept what, per root service')).map((r) => [`${String(r['service'])}|${String(r['policy'])}`, pick(r)]))).toEqual(strip(truthBy(plan, (e) => `${e.service}|${e.policy}`)));
    expect(new Map((await run('Completion reasons')).map((r) => [String(r['reason']), pick(r)]))).toEqual(strip(truthBy(plan, (e) => e.reason)));
    const perMinute = sumBy(decisionRows.map((r) => ({ ...r, k: String(r.windowStartMs) })), (r) => r.k);
    expect(new Map((await run('Traces seen vs kept')).map((r) => [String(timeOf(r['time'])), pick(r)]))).toEqual(strip(perMinute));
    const prob = sumBy(decisionRows.filter((r) => r.policy === 'probabilistic-25').map((r) => ({ ...r, k: String(r.windowStartMs) })), (r) => r.k);
    const actual = await run('Actual vs target');
    expect(new Map(actual.map((r) => [`${timeOf(r['time'])}|${String(r['policy'])}`, [n(r['actual']), n(r['target'])]]))).toEqual(
      new Map([...prob].map(([t, c]) => [`${t}|probabilistic-25`, [(100 * c.tracesKept) / c.traces, 25]])),
    );
  });

  it('the variables list what the tables hold', async () => {
    const services = await ch.rows<{ service: string }>(expandGrafanaSql(queries.find((q) => q.where === '$service')?.sql ?? '', ALL));
    expect(services.map((r) => r.service)).toEqual([...new Set(plan.flatMap((t) => t.spans.map(serviceName)))].sort());
    const policies = await ch.rows<{ policy: string }>(expandGrafanaSql(queries.find((q) => q.where === '$policy')?.sql ?? '', ALL));
    expect(policies.map((r) => r.policy)).toEqual(['errors', 'probabilistic-25', 'slow']);
  });
});
