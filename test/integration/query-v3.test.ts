import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids, MIN, startQueryFixture, type QueryDataSet } from '../fixtures/query.ts';

let fixture: Awaited<ReturnType<typeof startQueryFixture>>;
let http: { url: string; close(): Promise<void> };
let ds: QueryDataSet;

beforeAll(async () => {
  fixture = await startQueryFixture();
  ({ http, ds } = fixture);
});
afterAll(async () => {
  await fixture?.close();
});

interface V3Body {
  result?: { resourceSpans: { scopeSpans: { spans: { traceId: string }[] }[] }[] };
  error?: { grpcCode: number; httpCode: number; message: string; httpStatus: string };
  services?: string[];
  operations?: { name: string; spanKind: string }[];
}

async function v3(path: string, params: Record<string, string> = {}): Promise<{ status: number; body: V3Body }> {
  const res = await fetch(`${http.url}/api/v3/${path}?${new URLSearchParams(params).toString()}`);
  return { status: res.status, body: (await res.json()) as V3Body };
}

const iso = (ms: number): string => new Date(ms).toISOString();
/** Trace ids in response order, each once. */
const traceIdsOf = (b: V3Body): string[] => [...new Set((b.result?.resourceSpans ?? []).flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.traceId))))];

describe('api_v3', () => {
  const window = (): Record<string, string> => ({ 'query.service_name': 'frontend', 'query.start_time_min': iso(ds.T - 200 * MIN), 'query.start_time_max': iso(ds.T + 10 * MIN) });

  it('lists services and operations (filtered by span kind)', async () => {
    expect((await v3('services')).body).toEqual({ services: ['cache', 'frontend', 'inventory', 'payment'] });
    expect((await v3('operations', { service: 'payment', span_kind: 'server' })).body).toEqual({ operations: [{ name: 'charge', spanKind: 'server' }] });
  });

  it.each([
    ['service and time range', {}, [ids.C, ids.B, ids.A, ids.D]],
    ['operation', { 'query.operation_name': 'GET /checkout' }, [ids.C, ids.A, ids.D]],
    ['attributes as JSON, typed', { 'query.attributes': '{"http.status_code":"500"}' }, [ids.C, ids.A, ids.D]],
    ['attributes as logfmt', { 'query.attributes': 'http.status_code=200' }, [ids.B]],
    ['duration_min', { 'query.duration_min': '1s' }, [ids.C]],
    ['duration_max', { 'query.duration_max': '20ms' }, [ids.B]],
    ['search_depth', { 'query.search_depth': '2' }, [ids.C, ids.B]],
    ['camelCase spelling', { 'query.operationName': 'GET /home' }, [ids.B]],
  ])('FindTraces by %s', async (_name, extra, expected) => {
    const r = await v3('traces', { ...window(), ...extra });
    expect(r.status).toBe(200);
    expect(traceIdsOf(r.body)).toEqual(expected);
  });

  it('bounds start times with RFC 3339 nanosecond timestamps', async () => {
    const base = { 'query.service_name': 'frontend' };
    const exact = new Date(ds.T + MIN).toISOString().replace('Z', '000000Z');
    expect(traceIdsOf((await v3('traces', { ...base, 'query.start_time_min': exact, 'query.start_time_max': exact })).body)).toEqual([ids.B]);
    expect(traceIdsOf((await v3('traces', { ...base, 'query.start_time_min': iso(ds.T + 11), 'query.start_time_max': iso(ds.T + 10 * MIN).replace('Z', '+00:00') })).body)).toEqual([ids.C, ids.B]);
  });

  it.each([
    ['query.startTimeMin', { 'query.start_time_min': '' }],
    ['query.startTimeMax', { 'query.start_time_max': '' }],
    ['query.searchDepth', { 'query.searchDepth': '1e3' }],
    ['query.raw_traces', { 'query.raw_traces': 'maybe' }],
    ['query.filter', { 'query.filter': '{"name":"and"}' }],
    ['query.start_time_max', { 'query.start_time_max': 'yesterday' }],
    ['query.duration_min', { 'query.duration_min': '12' }],
    ['query.search_depth', { 'query.search_depth': 'many' }],
    ['query.attributes', { 'query.attributes': '{bad' }],
  ])('a bad %s is a 400 in the grpc-gateway error shape', async (param, override) => {
    const r = await v3('traces', { ...window(), ...override });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ grpcCode: 3, httpCode: 400, httpStatus: 'Bad Request' });
    expect(r.body.error?.message).toContain(`'${param}'`);
  });

  it('an unknown trace is a 404, a malformed id a 400', async () => {
    const missing = await v3(`traces/${'9'.repeat(32)}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ grpcCode: 5, httpCode: 404 });
    expect((await v3('traces/zz')).status).toBe(400);
    expect((await v3('operations')).status).toBe(400);
  });
});
