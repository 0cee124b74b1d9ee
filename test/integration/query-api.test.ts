import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JaegerTrace } from '../../src/query/jaeger-model.ts';
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

async function get(path: string): Promise<{ status: number; body: { data: unknown; total: number; limit: number; errors: { code: number; msg: string }[] | null }; text: string }> {
  const res = await fetch(http.url + path);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text };
}

async function traceIds(query: string): Promise<string[]> {
  const r = await get(`/api/traces?${query}`);
  expect(r.status, r.text).toBe(200);
  return (r.body.data as JaegerTrace[]).map((t) => t.traceID);
}

const us = (ms: number): string => String(ms * 1000);
const q = (o: Record<string, string>): string => new URLSearchParams(o).toString();

describe('GET /api/services and operations', () => {
  it('lists every service with kept spans, sorted', async () => {
    const r = await get('/api/services');
    expect(r.body).toMatchObject({ data: ['cache', 'frontend', 'inventory', 'payment'], total: 4, errors: null });
  });

  it('lists operation names of a service, and operations with span kinds filtered by kind', async () => {
    expect((await get('/api/services/frontend/operations')).body.data).toEqual(['GET /checkout', 'GET /home', 'GET /stock', 'POST /charge']);
    expect((await get('/api/services/nobody/operations')).body.data).toEqual([]);
    expect((await get('/api/operations?service=payment')).body.data).toEqual([
      { name: 'SELECT accounts', spanKind: 'client' }, { name: 'charge', spanKind: 'server' },
    ]);
    expect((await get('/api/operations?service=frontend&spanKind=client')).body.data).toEqual([
      { name: 'GET /stock', spanKind: 'client' }, { name: 'POST /charge', spanKind: 'client' },
    ]);
  });
});

describe('GET /api/traces search', () => {
  const all = (): Record<string, string> => ({ service: 'frontend', start: us(ds.T - 200 * MIN), end: us(ds.T + 10 * MIN) });

  it('finds whole traces of the service, newest first, within the default last hour', async () => {
    expect(await traceIds('service=frontend')).toEqual([ids.C, ids.B, ids.A]);
    expect(await traceIds(q(all()))).toEqual([ids.C, ids.B, ids.A, ids.D]);
    const r = await get('/api/traces?service=payment');
    const [trace] = r.body.data as JaegerTrace[];
    expect(trace?.spans.map((s) => s.spanID).sort()).toEqual(ds.traces.A.map((s) => s.spanId).sort());
  });

  it('filters by operation', async () => {
    expect(await traceIds(q({ ...all(), operation: 'GET /checkout' }))).toEqual([ids.C, ids.A, ids.D]);
    expect(await traceIds(q({ ...all(), operation: 'GET /nothing' }))).toEqual([]);
  });

  it.each([
    ['string "500" matches int 500 and double 500', { tags: '{"http.status_code":"500"}' }, [ids.C, ids.A, ids.D]],
    ['a JSON number works like its text', { tags: '{"http.status_code":200}' }, [ids.B]],
    ['logfmt, all tags on one span', { tags: 'http.status_code=500 http.method=GET' }, [ids.A]],
    ['logfmt with quotes', { tags: '"http.method"="POST"' }, [ids.C]],
    ['classic tag=key:value', { tag: 'http.status_code:200' }, [ids.B]],
    ['resource attribute', { tags: '{"deployment.environment":"prod"}' }, [ids.B]],
    ['scope attribute', { tags: '{"lib.flavor":"chocolate"}' }, [ids.B]],
    ['scope name as Jaeger tags it', { tags: '{"otel.scope.name":"io.shop.http"}' }, [ids.B]],
    ['link attribute', { tags: '{"link.kind":"retry-of"}' }, [ids.C]],
    ['int64 max', { tags: '{"big":"9223372036854775807"}' }, [ids.A]],
    ['span.kind derived tag', { tags: '{"span.kind":"client"}' }, [ids.C, ids.A]],
    ['no match', { tags: '{"http.status_code":"404"}' }, []],
  ])('tag filter: %s', async (_name, extra, expected) => {
    expect(await traceIds(q({ ...all(), ...extra }))).toEqual(expected);
  });

  it.each([
    ['bool true', '{"retry":"true"}', [ids.A]],
    ['bool false does not match true', '{"retry":"false"}', []],
    ['double', '{"amount":"12.5"}', [ids.A]],
    ['double written differently', '{"amount":"12.50"}', [ids.A]],
    ['event attribute', '{"exception.type":"CardDeclined"}', [ids.A]],
    ['error=true from the status', '{"error":"true"}', [ids.A]],
    ['status description', '{"otel.status_description":"card declined"}', [ids.A]],
  ])('typed tag on another service: %s', async (_name, tags, expected) => {
    expect(await traceIds(q({ ...all(), service: 'payment', tags }))).toEqual(expected);
  });

  it.each([
    ['minDuration 1s', { minDuration: '1s' }, [ids.C]],
    ['minDuration 2.5s is inclusive', { minDuration: '2.5s' }, [ids.C]],
    ['minDuration 2500001us excludes it', { minDuration: '2500001us' }, []],
    // A's POST /charge client span (90 ms) is a frontend span within the bound: span-level semantics.
    ['maxDuration 100ms applies to every span of the service', { maxDuration: '100ms' }, [ids.B, ids.A, ids.D]],
    ['maxDuration 1.2ms', { maxDuration: '1.2ms' }, []],
    ['between 0.1s and 1m', { minDuration: '0.1s', maxDuration: '1m' }, [ids.C, ids.A]],
    ['µs spelling', { minDuration: '15000µs', maxDuration: '15ms' }, [ids.B]],
    ['composite 1m30s', { maxDuration: '1m30s', minDuration: '2s' }, [ids.C]],
  ])('duration: %s', async (_name, extra, expected) => {
    expect(await traceIds(q({ ...all(), ...extra }))).toEqual(expected);
  });

  it('bounds span start times by start / end in µs (inclusive) and lookback', async () => {
    expect(await traceIds(q({ service: 'frontend', start: us(ds.T + MIN), end: us(ds.T + 10 * MIN) }))).toEqual([ids.C, ids.B]);
    expect(await traceIds(q({ service: 'frontend', start: us(ds.T - 200 * MIN), end: us(ds.T + MIN - 1) }))).toEqual([ids.A, ids.D]);
    expect(await traceIds(q({ service: 'frontend', start: us(ds.T + MIN), end: us(ds.T + MIN) }))).toEqual([ids.B]);
    expect(await traceIds(q({ service: 'frontend', lookback: '1d' }))).toEqual([ids.C, ids.B, ids.A, ids.D]);
    expect(await traceIds(q({ service: 'frontend', lookback: '29m' }))).toEqual([ids.C]);
  });

  it('limits the number of traces, newest kept; 0 means the default', async () => {
    expect(await traceIds(q({ ...all(), limit: '1' }))).toEqual([ids.C]);
    expect(await traceIds(q({ ...all(), limit: '2', operation: 'GET /checkout' }))).toEqual([ids.C, ids.A]);
    const r = await get(`/api/traces?${q({ ...all(), limit: '0' })}`);
    expect(r.body).toMatchObject({ total: 4, limit: 20 });
  });

  it('returns traces by repeated traceID, short ids padded', async () => {
    expect(await traceIds(`traceID=${ids.B}&traceID=a1&traceID=${'e'.repeat(32)}`)).toEqual([ids.B, ids.A]);
  });
});

describe('400 and 404', () => {
  it.each([
    ['/api/traces', 'service'],
    ['/api/traces?service=frontend&minDuration=100', 'minDuration'],
    ['/api/traces?service=frontend&maxDuration=fast', 'maxDuration'],
    ['/api/traces?service=frontend&minDuration=-1s', 'minDuration'],
    ['/api/traces?service=frontend&minDuration=2s&maxDuration=1s', 'minDuration'],
    ['/api/traces?service=frontend&tags={"a":', 'tags'],
    ['/api/traces?service=frontend&tags=["a"]', 'tags'],
    ['/api/traces?service=frontend&tags=novalue', 'tags'],
    ['/api/traces?service=frontend&tag=nocolon', 'tag'],
    ['/api/traces?service=frontend&limit=-1', 'limit'],
    ['/api/traces?service=frontend&limit=ten', 'limit'],
    ['/api/traces?service=frontend&limit=100000', 'limit'],
    ['/api/traces?service=frontend&start=yesterday', 'start'],
    ['/api/traces?service=frontend&start=20&end=10', 'start'],
    ['/api/traces?service=frontend&end=1.5', 'end'],
    ['/api/traces?service=frontend&lookback=soon', 'lookback'],
    ['/api/traces?service=a&service=b', 'service'],
    ['/api/traces?traceID=xyz', 'traceID'],
    ['/api/traces/not-hex', 'traceID'],
    ['/api/traces/' + '0'.repeat(32), 'traceID'],
    ['/api/operations', 'service'],
    ['/api/operations?service=frontend&spanKind=sideways', 'spanKind'],
    ['/api/dependencies?endTs=now', 'endTs'],
    ['/api/dependencies?lookback=0', 'lookback'],
  ])('%s → 400 naming %s', async (path, param) => {
    const r = await get(path);
    expect(r.status).toBe(400);
    expect(r.body.data).toBeNull();
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors?.[0]?.code).toBe(400);
    expect(r.body.errors?.[0]?.msg).toContain(`'${param}'`);
  });

  it('an unknown trace is a 404 with a Jaeger error', async () => {
    const r = await get(`/api/traces/${'f'.repeat(32)}`);
    expect(r.status).toBe(404);
    expect(r.body.errors).toEqual([{ code: 404, msg: `trace ${'f'.repeat(32)} not found` }]);
  });

  it('an unknown endpoint under /api is a 404 in the same envelope', async () => {
    const r = await get('/api/nothing');
    expect(r.status).toBe(404);
    expect(r.body.errors?.[0]?.code).toBe(404);
  });
});
