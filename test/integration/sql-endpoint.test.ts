import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Listening } from '../../src/ingest/server.ts';
import { MetricsRegistry } from '../../src/metrics/registry.ts';
import { startQueryServer } from '../../src/app/query-server.ts';
import type { SqlLimits } from '../../src/app/sql/limits.ts';
import { openSeparateClickHouse } from '../../src/clickhouse/client.ts';
import { createLogger } from '../../src/util/log.ts';
import { openTestClickHouse, type TestClickHouse } from '../fixtures/clickhouse.ts';
import { loadQueryDataSet, queryDataSet } from '../fixtures/query.ts';

// Small limits so runaway queries are cut within seconds; rows-to-read high so the time limit is what cuts.
const limits: SqlLimits = { timeoutMs: 1500, maxMemoryBytes: 64 * 1024 * 1024, maxRowsToRead: 1e13, maxResultRows: 10, maxResultBytes: 16 * 1024 * 1024, maxThreads: 1 };
const SERVICES = ['cache', 'frontend', 'inventory', 'payment'];

let ch: TestClickHouse;
let scratch: string;
const servers: Listening[] = [];
let base: string;

async function serve(host: string, token: string | undefined): Promise<Listening> {
  const sql = { open: () => openSeparateClickHouse({ dataDir: ch.dir, database: 'tailstream' }), database: 'tailstream', limits, cancellable: false, token, logger: createLogger('sql', 'error') };
  const s = await startQueryServer({ clickhouse: ch.client, database: 'tailstream', registry: new MetricsRegistry(), port: 0, host, sql });
  servers.push(s);
  return s;
}

beforeAll(async () => {
  ch = await openTestClickHouse({ spansTtlDays: 0, errorTtlDays: 0 });
  await loadQueryDataSet(ch, queryDataSet(Date.now()));
  await ch.client.command({ query: 'CREATE TABLE tailstream.victim (x UInt8) ENGINE = MergeTree ORDER BY x' });
  scratch = mkdtempSync(join(tmpdir(), 'sql-escape-'));
  base = `http://127.0.0.1:${(await serve('127.0.0.1', undefined)).port}`;
});
afterAll(async () => {
  for (const s of servers) await s.close();
  await ch?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

interface Answer { status: number; body: { rows?: Record<string, unknown>[]; truncated?: boolean; error?: string }; text: string }

async function post(query: string, init: RequestInit = {}, url = base): Promise<Answer> {
  const res = await fetch(`${url}/sql`, { method: 'POST', body: query, ...init });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Answer['body'], text };
}

async function services(): Promise<unknown> {
  const res = await fetch(`${base}/api/services`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: unknown }).data;
}

/**
 * A multi-statement request that hides its `;` from a keyword filter with a quote inside a
 * comment; the parentheses close and reopen the `SELECT * FROM (...) LIMIT` it was wrapped in.
 */
const smuggle = (statement: string): string => `SELECT 1) /* ' */; ${statement}; SELECT * FROM (SELECT 1 /* ' */`;

/** Refused both as the issue sent it and as plain statements one after the other. */
async function expectSmuggledRefused(statement: string): Promise<void> {
  expectRefused(await post(smuggle(statement)), /Syntax error/);
  expectRefused(await post(`SELECT 1 /* ' */; ${statement}; SELECT 2 /* ' */`), /Multi-statements are not allowed/);
}

function expectRefused(r: Answer, reason: RegExp): void {
  expect(r.status, r.text).toBe(400);
  expect(r.body.error).toMatch(reason);
  expect(r.text).not.toMatch(/<html|\n\s+at /i);
}

const victimExists = async (): Promise<boolean> => (await ch.rows<{ n: string }>("SELECT count() AS n FROM system.tables WHERE database = 'tailstream' AND name = 'victim'"))[0]?.n === '1';

describe('POST /sql refuses every escape with a reason', () => {
  it('refuses CREATE smuggled behind a quote in a comment', async () => {
    await expectSmuggledRefused('CREATE TABLE tailstream.pwned (x UInt8) ENGINE = Memory');
    expect(await ch.rows("SELECT name FROM system.tables WHERE database = 'tailstream' AND name = 'pwned'")).toEqual([]);
  });

  it('refuses INSERT smuggled behind a quote in a comment', async () => {
    await expectSmuggledRefused('INSERT INTO tailstream.victim VALUES (7)');
    expect(await ch.rows('SELECT * FROM tailstream.victim')).toEqual([]);
  });

  it('refuses DROP smuggled behind a quote in a comment', async () => {
    await expectSmuggledRefused('DROP TABLE tailstream.victim');
    expect(await victimExists()).toBe(true);
  });

  it('refuses INSERT INTO FUNCTION file(...), smuggled or not', async () => {
    const path = join(scratch, 'insert.txt');
    const insert = `INSERT INTO FUNCTION file('${path}', 'LineAsString') SELECT 'pwned'`;
    await expectSmuggledRefused(insert);
    expectRefused(await post(insert), /only SELECT queries are allowed/);
    expect(existsSync(path)).toBe(false);
  });

  it('refuses INTO/**/OUTFILE', async () => {
    const path = join(scratch, 'outfile.txt');
    expectRefused(await post(`SELECT 'pwned' INTO/**/OUTFILE '${path}'`), /FORMAT and INTO OUTFILE are not allowed/);
    await expectSmuggledRefused(`SELECT 'pwned' INTO/**/OUTFILE '${path}'`);
    expect(existsSync(path)).toBe(false);
  });

  it.each([
    ["SELECT * FROM file('/etc/hostname', 'LineAsString')", /table function file\(\) is not allowed/],
    ["SELECT file('/etc/hostname')", /function file\(\) is not allowed/],
    ["SELECT 'x' IN file('/etc/hostname', 'LineAsString')", /function file\(\) is not allowed/],
    ["SELECT * FROM url('http://127.0.0.1:1/healthz', 'LineAsString')", /table function url\(\) is not allowed/],
    ["SELECT count() FROM tailstream.spans WHERE 'x' IN url('http://127.0.0.1:1/', 'LineAsString')", /table function url\(\) is not allowed/],
    ["SELECT * FROM s3('http://127.0.0.1:1/bucket/key.csv', 'CSV')", /table function s3\(\) is not allowed/],
    ["SELECT * FROM remote('127.0.0.1:9000', system.one)", /table function remote\(\) is not allowed/],
    ["SELECT * FROM executable('id', 'LineAsString', 'x String')", /table function executable\(\) is not allowed/],
    ['SELECT * FROM system.tables', /table system\.tables is not allowed/],
    ['SELECT * FROM INFORMATION_SCHEMA.TABLES', /table INFORMATION_SCHEMA\.TABLES is not allowed/],
    ['SELECT 1 WHERE 1 IN system.numbers', /table system\.numbers is not allowed/],
    ['SELECT 1 SETTINGS max_execution_time = 1000', /SETTINGS is not allowed/],
    ['SELECT 1 FORMAT TSV', /FORMAT and INTO OUTFILE are not allowed/],
    ['SELECT 1 AS `a\\n   Literal 1`', /quoted names with escape sequences/],
    ['SHOW TABLES', /only SELECT queries are allowed/],
    ['SELECT 1; SELECT 2', /Multi-statements are not allowed/],
    ['SELEKT 1', /syntax error/i],
  ])('refuses %s', async (query, reason) => {
    expectRefused(await post(query), reason);
  });

  it('leaks no result to the next request, after a multi-statement request or a query that fails midway', async () => {
    // A failing last statement leaves the earlier statements' rows buffered on a chdb connection.
    await post(smuggle('SELECT number AS leaked FROM numbers(6); SELECT throwIf(1)'));
    expect(await services()).toEqual(SERVICES);
    expect((await post('SELECT 42 AS answer')).body.rows).toEqual([{ answer: 42 }]);
    // One statement that streamed some rows, then hit the time limit.
    // 11 matching rows (the result cap + 1) need 5.5e10 numbers: far past the 1.5 s limit on any machine.
    expectRefused(await post('SELECT number FROM numbers(1e12) WHERE number % 5000000000 = 0'), /SQL_TIMEOUT_MS/);
    expect((await post('SELECT 43 AS answer')).body.rows).toEqual([{ answer: 43 }]);
    expect(await services()).toEqual(SERVICES);
  });
});

const RUNAWAY = 'SELECT sum(sipHash64(number)) FROM numbers(1e12)';

/** Polls the engine's process list until the runaway query runs (or `settled` says it ended). */
async function seenRunning(settled: () => boolean): Promise<boolean> {
  while (!settled()) {
    const running = await ch.rows<{ n: string }>("SELECT count() AS n FROM system.processes WHERE query LIKE '%sum(sipHash64(number))%' AND query LIKE '%readonly = 1%' AND query NOT LIKE '%system.processes%'");
    if (running[0]?.n !== '0') return true;
  }
  return false;
}

describe('POST /sql runs under hard limits on its own connection', () => {
  it('cuts a runaway query at SQL_TIMEOUT_MS while /api/services keeps answering', async () => {
    let settled = false;
    const runaway = post(RUNAWAY).finally(() => {
      settled = true;
    });
    expect((await seenRunning(() => settled)) && !settled, 'the runaway query was seen running').toBe(true);
    expect(await services()).toEqual(SERVICES);
    expect(settled, '/api/services answered while the runaway query ran').toBe(false);
    expectRefused(await runaway, /query stopped at its limit \(SQL_TIMEOUT_MS\): Timeout exceeded/);
  });

  it('keeps running a query whose client left until SQL_TIMEOUT_MS ends it (chdb cannot cancel), one at a time', async () => {
    const gone = new AbortController();
    let settled = false;
    const left = fetch(`${base}/sql`, { method: 'POST', body: RUNAWAY, signal: gone.signal }).catch(() => undefined).finally(() => {
      settled = true;
    });
    expect(await seenRunning(() => settled)).toBe(true);
    gone.abort();
    await left;
    let r = await post('SELECT 1 AS x');
    expect(r.status, r.text).toBe(429);
    expect(r.body.error).toMatch(/one query at a time/);
    expect(await services()).toEqual(SERVICES);
    while (r.status === 429) {
      await new Promise((done) => setTimeout(done, 20));
      r = await post('SELECT 1 AS x');
    }
    expect(r.body.rows).toEqual([{ x: 1 }]);
  });

  it('cuts a memory hog at SQL_MAX_MEMORY_BYTES', async () => {
    expectRefused(await post('SELECT length(groupArray(number)) FROM numbers(3e8)'), /query stopped at its limit \(SQL_MAX_MEMORY_BYTES\): .*memory limit/i);
    expect(await services()).toEqual(SERVICES);
  });

  it('answers read-only SELECTs over the tailstream tables, cut at SQL_MAX_RESULT_ROWS', async () => {
    const counts = await post('WITH s AS (SELECT service_name FROM spans) SELECT service_name, count() AS n FROM s GROUP BY 1 ORDER BY 1');
    expect(counts.status, counts.text).toBe(200);
    expect(counts.body.rows?.map((r) => r['service_name'])).toEqual(SERVICES);
    const union = await post(JSON.stringify({ query: 'SELECT toInt64(1) AS x UNION ALL SELECT count() FROM tailstream.traces WHERE 0' }), { headers: { 'content-type': 'application/json' } });
    expect(union.body.rows).toEqual([{ x: '1' }, { x: '0' }]);
    const many = await post('SELECT number FROM numbers(100)');
    expect(many.body).toMatchObject({ truncated: true });
    expect(many.body.rows).toHaveLength(limits.maxResultRows);
  });

  it('answers a body it cannot read with JSON, not an HTML page', async () => {
    const r = await post('{"query": ', { headers: { 'content-type': 'application/json' } });
    expectRefused(r, /request body/);
  });
});

describe('POST /sql without its engine', () => {
  it('answers 503 with JSON when ClickHouse cannot be reached', async () => {
    const sql = { open: () => openSeparateClickHouse({ url: 'http://127.0.0.1:1', database: 'tailstream', requestTimeoutMs: 2000 }), database: 'tailstream', limits, cancellable: true, token: undefined, logger: createLogger('sql', 'error') };
    const s = await startQueryServer({ clickhouse: ch.client, database: 'tailstream', registry: new MetricsRegistry(), port: 0, host: '127.0.0.1', sql });
    servers.push(s);
    const r = await post('SELECT 1 AS x', {}, `http://127.0.0.1:${s.port}`);
    expect(r.status, r.text).toBe(503);
    expect(r.body.error).toMatch(/^\/sql cannot reach ClickHouse: .*ECONNREFUSED/);
  });
});

describe('who may use POST /sql', () => {
  it('with SQL_TOKEN set, needs Authorization: Bearer <token>', async () => {
    const url = `http://127.0.0.1:${(await serve('127.0.0.1', 's3cret')).port}`;
    expect((await post('SELECT 1 AS x', {}, url)).status).toBe(401);
    expect((await post('SELECT 1 AS x', { headers: { authorization: 'Bearer wrong' } }, url)).body.error).toMatch(/needs Authorization: Bearer/);
    expect((await post('SELECT 1 AS x', { headers: { authorization: 'Bearer s3cret' } }, url)).body.rows).toEqual([{ x: 1 }]);
  });

  it('without SQL_TOKEN, answers only clients on this machine', async () => {
    const external = Object.values(networkInterfaces()).flat().find((a) => a?.family === 'IPv4' && !a.internal)?.address;
    if (!external) throw new Error('this test needs a non-loopback IPv4 interface');
    const { port } = await serve('0.0.0.0', undefined);
    const r = await post('SELECT 1 AS x', {}, `http://${external}:${port}`);
    expect(r.status).toBe(403);
    expect(r.body.error).toMatch(/clients on this machine only; set SQL_TOKEN/);
    expect((await post('SELECT 1 AS x', {}, `http://127.0.0.1:${port}`)).body.rows).toEqual([{ x: 1 }]);
  });
});
