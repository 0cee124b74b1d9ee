import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveSpanMetrics, MetricAggregate } from '../../src/edges/index.ts';
import { bucketIndex, DURATION_BOUNDS_MS } from '../../src/edges/histogram.ts';
import { serviceName, SpanKind, StatusCode, type Span } from '../../src/model/span.ts';
import { createQueryApp } from '../../src/query/app.ts';
import { metricsToRow } from '../../src/clickhouse/rows.ts';
import { ClickHouseWriter } from '../../src/sink/writer.ts';
import { generateWorkload } from '../../src/workload/generator.ts';
import { openTestClickHouse, type TestClickHouse } from '../fixtures/clickhouse.ts';
import { monitorPayload, operationRequests, serviceRequests, uiOperationsTable, uiPoints, type FamilyBody } from '../fixtures/jaeger-ui-monitor.ts';
import { serve } from '../fixtures/query.ts';
import { loadWorkload } from '../fixtures/query-workload.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
// Two hours back, on a whole hour: inside the minute table's TTL, hour boundaries known.
const BASE = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
const WORKLOAD = { seed: 14, tracesPerSecond: 1, durationSec: 25 * 60, startMs: BASE + 3 * MIN + 500, errorRate: 0.1 };
/** What the UI sends as endTs (Date.now()): not on a minute. */
const END_TS = BASE + 40 * MIN + 12_345;

interface Cell { calls: number; errors: number; durationsMs: number[] }
/** Ground truth: per `service|operation|KIND`, per minute, counted from the generated spans themselves. */
const truth = new Map<string, Map<number, Cell>>();
const KIND_NAMES = Object.fromEntries(Object.entries(SpanKind).map(([k, v]) => [v, k])) as Record<number, string>;

let ch: TestClickHouse;
let http: { url: string; close(): Promise<void> };
let disabled: { url: string; close(): Promise<void> };

beforeAll(async () => {
  ch = await openTestClickHouse({ spansTtlDays: 0, errorTtlDays: 0 });
  const spans: Span[] = [];
  for (const d of generateWorkload(WORKLOAD).deliveries) if (!d.duplicate) spans.push(d.span);
  for (const s of spans) {
    const key = `${serviceName(s)}|${s.name}|${KIND_NAMES[s.kind]}`;
    const minute = Math.floor(Number(s.startTimeUnixNano / 1_000_000n) / MIN) * MIN;
    const series = truth.get(key) ?? new Map<number, Cell>();
    const cell = series.get(minute) ?? { calls: 0, errors: 0, durationsMs: [] };
    cell.calls++;
    if (s.status.code === StatusCode.ERROR) cell.errors++;
    cell.durationsMs.push(Number(s.endTimeUnixNano - s.startTimeUnixNano) / 1e6);
    series.set(minute, cell);
    truth.set(key, series);
  }
  // Span metrics through the pipeline's own aggregate and row mapping, in several inserts.
  const writer = new ClickHouseWriter({ client: ch.client });
  for (let i = 0; i < spans.length; i += 5000) {
    const agg = new MetricAggregate();
    for (const o of deriveSpanMetrics(spans.slice(i, i + 5000))) agg.add(o);
    await writer.insert('span_metrics', agg.entries().map(([, m]) => metricsToRow(m)), `metrics-test|${i}`);
  }
  await loadWorkload(ch.client, { seed: WORKLOAD.seed, traces: 50, startMs: WORKLOAD.startMs });
  http = await serve(createQueryApp({ client: ch.client, database: 'tailstream', nowNs: () => BigInt(END_TS) * 1_000_000n }));
  disabled = await serve(createQueryApp({ client: ch.client, database: 'tailstream', spanMetrics: false }));
});
afterAll(async () => {
  await http?.close();
  await disabled?.close();
  await ch?.close();
});

async function get(path: string, base = http.url): Promise<{ status: number; body: FamilyBody & { data?: unknown; errors?: { code: number; msg: string }[] } }> {
  const res = await fetch(base + path);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: res.status, body: (await res.json()) as never };
}

/** Truth summed over [t - ratePer, t) for the series matching service, kinds and (optionally) operation. */
function windowTruth(service: string, kinds: string[], t: number, ratePer: number, operation?: string): Cell {
  const out: Cell = { calls: 0, errors: 0, durationsMs: [] };
  for (const [key, series] of truth) {
    const [svc, op, kind] = key.split('|');
    if (svc !== service || !kinds.includes(kind as string) || (operation !== undefined && op !== operation)) continue;
    for (const [minute, c] of series) {
      if (minute < t - ratePer || minute >= t) continue;
      out.calls += c.calls;
      out.errors += c.errors;
      out.durationsMs.push(...c.durationsMs);
    }
  }
  return out;
}

const operationsOf = (service: string, kind: string): string[] =>
  [...truth.keys()].filter((k) => k.startsWith(`${service}|`) && k.endsWith(`|${kind}`)).map((k) => k.split('|')[1] as string).sort();

/** Every point of a family against the truth: rates and error rates exactly, quantiles inside the true quantile's bucket. */
function checkFamily(fam: FamilyBody, service: string, kinds: string[], ratePer: number, kind: 'calls' | 'errors' | number): void {
  for (const m of fam.metrics) {
    const op = m.labels.find((l) => l.name === 'operation')?.value;
    for (const p of m.metricPoints) {
      const c = windowTruth(service, kinds, Date.parse(p.timestamp), ratePer, op);
      const v = p.gaugeValue.doubleValue;
      if (kind === 'calls') expect(v, `${op} ${p.timestamp}`).toBe(c.calls / (ratePer / 1000));
      else if (c.calls === 0) expect(v).toBe('NaN');
      else if (kind === 'errors') expect(v, `${op} ${p.timestamp}`).toBe(c.errors / c.calls);
      else {
        const sorted = c.durationsMs.sort((a, b) => a - b);
        const exact = sorted[Math.max(0, Math.ceil(kind * sorted.length) - 1)] as number;
        const b = bucketIndex(BigInt(Math.round(exact * 1e6)));
        const lower = b === 0 ? 0 : (DURATION_BOUNDS_MS[b - 1] as number);
        const upper = DURATION_BOUNDS_MS[Math.min(b, DURATION_BOUNDS_MS.length - 1)] as number;
        expect(v as number, `${op} ${p.timestamp} q${kind} exact ${exact}`).toBeGreaterThanOrEqual(lower);
        expect(v as number).toBeLessThanOrEqual(upper);
      }
    }
  }
}

describe('Jaeger Monitor API: the requests Jaeger UI v2.20.0 sends', () => {
  const service = 'frontend';
  const payload = monitorPayload(END_TS, HOUR);

  it('service-level charts: latency p50/p75/p95, request rate and error rate from exact pre-sampling counts', async () => {
    const [p50, p75, p95, calls, errors] = await Promise.all(serviceRequests(service, payload).map((u) => get(u)));
    for (const r of [p50, p75, p95, calls, errors]) expect(r?.status).toBe(200);
    expect([p50, p95, calls, errors].map((r) => r?.body.name)).toEqual(['service_latencies', 'service_latencies', 'service_call_rate', 'service_error_rate']);
    for (const r of [p50, p75, p95, calls, errors]) {
      expect(r?.body.metrics).toHaveLength(1);
      expect(r?.body.metrics[0]?.labels[0]).toEqual({ name: 'service_name', value: service });
      // one point a minute within (endTs - 1 h, endTs]
      expect(uiPoints(r!.body.metrics[0]!).map((p) => p.x)).toEqual(Array.from({ length: 60 }, (_, i) => BASE - 19 * MIN + i * MIN));
    }
    checkFamily(calls!.body, service, ['SERVER'], 600_000, 'calls');
    checkFamily(errors!.body, service, ['SERVER'], 600_000, 'errors');
    checkFamily(p50!.body, service, ['SERVER'], 600_000, 0.5);
    checkFamily(p75!.body, service, ['SERVER'], 600_000, 0.75);
    checkFamily(p95!.body, service, ['SERVER'], 600_000, 0.95);
    // the charts have data: rates where the workload ran, gaps (y null) before it
    const callYs = uiPoints(calls!.body.metrics[0]!).map((p) => p.y);
    expect(callYs.filter((y) => y !== null && y > 0).length).toBeGreaterThan(25);
    expect(uiPoints(errors!.body.metrics[0]!)[0]?.y).toBeNull();
    expect(Math.max(...uiPoints(errors!.body.metrics[0]!).map((p) => p.y ?? 0))).toBeGreaterThan(0);
  });

  it('the operations table: one row per server operation, with the averages the UI shows', async () => {
    const [lat, calls, errors] = await Promise.all(operationRequests(service, payload).map((u) => get(u)));
    expect([lat, calls, errors].map((r) => [r?.status, r?.body.name])).toEqual([[200, 'service_operation_latencies'], [200, 'service_operation_call_rate'], [200, 'service_operation_error_rate']]);
    checkFamily(calls!.body, service, ['SERVER'], 600_000, 'calls');
    checkFamily(errors!.body, service, ['SERVER'], 600_000, 'errors');
    checkFamily(lat!.body, service, ['SERVER'], 600_000, 0.95);
    const table = uiOperationsTable(lat!.body, calls!.body, errors!.body);
    expect(table.map((r) => r.name).sort()).toEqual(operationsOf(service, 'SERVER'));
    for (const row of table) {
      const perPoint = uiPoints(calls!.body.metrics.find((m) => m.labels[1]?.value === row.name)!).map((p) => p.y as number);
      expect(row.requests).toBe(parseFloat((perPoint.reduce((a, b) => a + b, 0) / perPoint.length).toFixed(2)));
      expect(row.latency).toBeGreaterThan(0);
    }
  });

  it('repeated service and spanKind parameters, each series on its own', async () => {
    const r = await get(`/api/metrics/calls?service=frontend&service=checkout&spanKind=server&spanKind=client&endTs=${END_TS}&lookback=1800000&step=300000&ratePer=300000`);
    expect(r.status).toBe(200);
    expect(r.body.metrics.map((m) => m.labels[0]?.value)).toEqual(['checkout', 'frontend']);
    for (const s of ['checkout', 'frontend']) {
      checkFamily({ ...r.body, metrics: r.body.metrics.filter((m) => m.labels[0]?.value === s) }, s, ['SERVER', 'CLIENT'], 300_000, 'calls');
    }
  });

  it('whole-hour steps read the hour rollup and give the same exact totals', async () => {
    const r = await get(`/api/metrics/calls?service=frontend&endTs=${BASE + 2 * HOUR}&lookback=${HOUR}&step=${HOUR}&ratePer=${HOUR}`);
    const total = windowTruth('frontend', ['SERVER'], BASE + HOUR, HOUR).calls;
    expect(total).toBeGreaterThan(1000);
    expect(r.body.metrics[0]?.metricPoints.map((p) => [p.timestamp, p.gaugeValue.doubleValue])).toEqual([
      [new Date(BASE + HOUR).toISOString().replace('.000Z', 'Z'), total / 3600],
      [new Date(BASE + 2 * HOUR).toISOString().replace('.000Z', 'Z'), 0],
    ]);
  });

  it('an operation without errors has error rate 0, not NaN; an unknown service has no series', async () => {
    const total = (k: string): Cell => [...(truth.get(k)?.values() ?? [])].reduce((a, c) => ({ calls: a.calls + c.calls, errors: a.errors + c.errors, durationsMs: [] }), { calls: 0, errors: 0, durationsMs: [] });
    const quiet = [...truth.keys()].filter((k) => k.endsWith('|SERVER') && total(k).errors === 0).sort((a, b) => total(b).calls - total(a).calls)[0];
    expect(quiet, 'the workload has a server operation without errors').toBeDefined();
    const [svc, op] = (quiet as string).split('|');
    const r = await get(`/api/metrics/errors?service=${svc}&groupByOperation=true&endTs=${END_TS}&lookback=600000&step=60000&ratePer=1800000`);
    const m = r.body.metrics.find((x) => x.labels[1]?.value === op);
    expect(m?.metricPoints.map((p) => p.gaugeValue.doubleValue)).toEqual(new Array(10).fill(0));
    expect((await get(`/api/metrics/calls?service=nobody&endTs=${END_TS}`)).body.metrics).toEqual([]);
  });

  it('an answer past 2 M points is a 400 naming step, not an out-of-memory', async () => {
    const writer = new ClickHouseWriter({ client: ch.client });
    const rows = Array.from({ length: 200 }, (_, i) => metricsToRow({
      windowStartMs: BASE, service: 'wide', operation: `op ${i}`, kind: SpanKind.SERVER, statusCode: 0, calls: 1, errors: 0, durationSumNanos: 1n, durationBuckets: [1],
    }));
    await writer.insert('span_metrics', rows, 'metrics-test|wide');
    const path = (lookbackMin: number) => `/api/metrics/calls?service=wide&groupByOperation=true&endTs=${BASE + MIN}&lookback=${lookbackMin * MIN}&step=60000&ratePer=60000`;
    const big = await get(path(10_999));
    expect(big.status).toBe(400);
    expect(big.body.errors?.[0]?.msg).toContain("unable to parse param 'step': 200 series × 11000 points is more than 2000000");
    const ok = await get(path(100));
    expect(ok.status).toBe(200);
    expect(ok.body.metrics).toHaveLength(200);
  });

  it('minstep is one minute, in the classic envelope', async () => {
    expect((await get('/api/metrics/minstep')).body).toEqual({ data: 60_000, total: 0, limit: 0, offset: 0, errors: null });
  });

  it.each([
    ['/api/metrics/calls?endTs=1', 'service'],
    ['/api/metrics/latencies?service=frontend', 'quantile'],
    ['/api/metrics/errors?service=frontend&step=5000', 'step'],
    ['/api/metrics/calls?service=frontend&spanKind=sideways', 'spanKind'],
  ])('%s is a 400 in Jaeger\'s error envelope naming %s', async (path, param) => {
    const r = await get(path);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ data: null, total: 0, limit: 0, offset: 0 });
    expect(r.body.errors?.[0]?.code).toBe(400);
    expect(r.body.errors?.[0]?.msg).toContain(`unable to parse param '${param}'`);
  });

  it('with span metrics turned off every metrics endpoint answers 501, as Jaeger does without a metrics store', async () => {
    for (const path of ['/api/metrics/calls?service=frontend', '/api/metrics/latencies?service=frontend&quantile=0.5', '/api/metrics/minstep']) {
      const r = await get(path, disabled.url);
      expect(r.status).toBe(501);
      expect(r.body.errors).toEqual([{ code: 501, msg: 'trace metrics are currently disabled - no metrics backend configured' }]);
    }
  });
});
