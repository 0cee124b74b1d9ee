/**
 * `npm run bench -- query`: load BENCH_SPANS (default 1 000 000) spans of the seeded
 * workload into a fresh embedded ClickHouse through the sink writer (spans and
 * trace_blobs, as the sink writes them), then time the query API over real HTTP: trace by
 * id, and searches by service, service + tag, service + duration (whole responses, 20
 * traces each; and the search step alone, `.ids`, beside the same search as one statement
 * over the whole range instead of time windows, `.ids_one_statement`). Each case runs twice in the same run:
 * whole traces from trace_blobs (the API's read), and from `spans` only (`.spans_layout`,
 * the layout before migration 009). Also api_v3's search by
 * attribute without a service and its trace summaries; the Monitor tab's per-operation
 * metrics request (one hour, one point a minute); and bytes per span on disk over all tables.
 * BENCH_KEEP=1 keeps the loaded directory; BENCH_DATA_DIR=<dir> queries a kept one (this
 * bench's, or the clickhouse bench's, which has no trace_blobs) instead of loading, so a
 * 10 M run loads once; with BENCH_APPEND_SPANS=N it only loads N more spans into it
 * (BENCH_OPTIMIZE=1 merges parts before the size is measured on kept data), and with
 * BENCH_REPLICATE=N it only grows it to N copies inside ClickHouse (see _query-replicate.ts).
 * The load also times the sink's inserts (span rows mapped, spans and trace_blobs written,
 * views on) against a raw insert of the same span rows into a copy of `spans` without
 * views, every BENCH_RAW_EVERY-th batch (default 3): `query.insert.sink_vs_raw`.
 * BENCH_CASES=a,b runs only those cases (names as printed, without the suffixes). Prints `name value unit` lines; progress goes to stderr.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { createQueryApp } from '../src/query/app.ts';
import { parseV1Search, searchParams } from '../src/query/params.ts';
import { TraceReader } from '../src/query/reader.ts';
import { searchSql } from '../src/query/search-sql.ts';
import { openClickHouse } from '../src/clickhouse/client.ts';
import { migrate } from '../src/clickhouse/migrate.ts';
import { serve } from '../test/fixtures/query.ts';
import { loadWorkload } from '../test/fixtures/query-workload.ts';
import { replicate } from './_query-replicate.ts';

const REQUESTS = Number(process.env['BENCH_REQUESTS'] ?? 200);
/** Every RAW_EVERY-th load batch is also inserted raw (the insert-rate baseline). */
const RAW_EVERY = Number(process.env['BENCH_RAW_EVERY'] ?? 3);

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function report(name: string, samples: number[]): void {
  samples.sort((a, b) => a - b);
  process.stderr.write(`[bench query] ${name}: ${samples.length} requests\n`);
  console.log(`query.${name}.p50 ${percentile(samples, 0.5).toFixed(1)} ms`);
  console.log(`query.${name}.p95 ${percentile(samples, 0.95).toFixed(1)} ms`);
}

async function time(url: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return performance.now() - t0;
}

/**
 * Loads `target` spans (seeded by `seed`) into the directory; trace ids in start order and
 * the first start. Appending to a kept directory uses another seed, so a 10 M set can be
 * loaded a few million spans per run (the heavy lock is held ~10 minutes at most).
 */
async function load(client: ClickHouseClient, database: string, target: number, seed: number): Promise<{ ids: readonly string[]; startMs: number }> {
  await migrate(client, { database, spansTtlDays: 0, errorTtlDays: 0 });
  // The raw baseline's table: same columns, codecs and indexes, no views; dropped after the load so sizes leave it out.
  await client.command({ query: 'CREATE TABLE IF NOT EXISTS spans_raw AS spans' });
  const traces = Math.ceil(target / 20) + 100; // ~23 spans a trace; the span cap stops early
  // Spread over the last ~hour at the workload's default 100 traces/s scaled to fit.
  const startMs = Date.now() - Math.ceil(traces / 100) * 1000 - 60_000;
  const t0 = performance.now();
  let last = 0;
  const loaded = await loadWorkload(client, {
    seed, traces, spans: target, startMs, batchSpans: 50_000, metrics: true, raw: { table: 'spans_raw', every: RAW_EVERY },
    progress: (n) => {
      if (n - last >= 100_000 || n >= target) {
        last = n;
        process.stderr.write(`[bench query] loaded ${n} spans (${Math.round(n / ((performance.now() - t0) / 1000))} spans/s)\n`);
      }
    },
  });
  const loadSec = (performance.now() - t0) / 1000;
  console.log(`query.load.spans ${loaded.spans} spans`);
  console.log(`query.load.rate ${Math.round(loaded.spans / loadSec)} spans/s`);
  await client.command({ query: 'DROP TABLE spans_raw SYNC' });
  const { sinkMs, rawMs, rows } = loaded.timing;
  console.log(`query.insert.sink_rate ${Math.round(rows / (sinkMs / 1000))} rows/s`);
  console.log(`query.insert.raw_rate ${Math.round(rows / (rawMs / 1000))} rows/s`);
  console.log(`query.insert.sink_vs_raw ${(rawMs / sinkMs).toFixed(3)} ratio`);
  return { ids: loaded.traceIds, startMs };
}

async function optimize(client: ClickHouseClient): Promise<void> {
  process.stderr.write('[bench query] merging parts before measuring size\n');
  for (const t of ['spans', 'traces', 'trace_id_ts', 'trace_blobs']) await client.command({ query: `OPTIMIZE TABLE ${t} FINAL` });
}

/** A data directory the clickhouse bench kept (BENCH_KEEP=1): its trace ids and first start. */
async function keptData(client: ClickHouseClient): Promise<{ ids: readonly string[]; startMs: number }> {
  const rs = await client.query({ query: 'SELECT count() AS spans, toUnixTimestamp64Milli(min(start_time)) AS first FROM spans', format: 'JSONEachRow' });
  const [stats] = await rs.json<{ spans: string; first: string }>();
  const ids = await (await client.query({ query: 'SELECT trace_id FROM traces GROUP BY trace_id ORDER BY cityHash64(trace_id) LIMIT 20000', format: 'JSONEachRow' })).json<{ trace_id: string }>();
  if (stats === undefined || ids.length === 0) throw new Error('BENCH_DATA_DIR holds no spans: run BENCH_KEEP=1 npm run bench -- clickhouse first');
  console.log(`query.load.spans ${stats.spans} spans`);
  return { ids: ids.map((r) => r.trace_id), startMs: Number(stats.first) };
}

/** Bytes on disk per span: every table of the database, and all but trace_blobs (today's layout). */
async function bytesPerSpan(client: ClickHouseClient): Promise<void> {
  const rs = await client.query({
    query: `SELECT sum(bytes_on_disk) AS all, sumIf(bytes_on_disk, table != 'trace_blobs') AS today, sumIf(bytes_on_disk, table = 'trace_blobs') AS blobs,
              (SELECT count() FROM spans) AS spans
            FROM system.parts WHERE active AND database = currentDatabase()`,
    format: 'JSONEachRow',
  });
  const [r] = await rs.json<{ all: string; today: string; blobs: string; spans: string }>();
  const per = (b: string | undefined) => (Number(b) / Number(r?.spans)).toFixed(1);
  console.log(`query.bytes_per_span.all_tables ${per(r?.all)} bytes`);
  console.log(`query.bytes_per_span.trace_blobs ${per(r?.blobs)} bytes`);
  console.log(`query.bytes_per_span.spans_layout ${per(r?.today)} bytes`);
}

/** The database of a kept directory: this bench's (`tailstream`) or the clickhouse bench's (`bench`). */
function keptDatabase(dir: string): string {
  return existsSync(join(dir, 'metadata', 'tailstream')) ? 'tailstream' : 'bench';
}

export default async function bench(_args: string[]): Promise<void> {
  const kept = process.env['BENCH_DATA_DIR'];
  const dir = kept ?? mkdtempSync(join(tmpdir(), 'tailstream-bench-query-'));
  const database = kept === undefined ? 'tailstream' : keptDatabase(kept);
  const client = await openClickHouse({ dataDir: dir, database });
  try {
    const append = Number(process.env['BENCH_APPEND_SPANS'] ?? 0);
    if (kept !== undefined && append > 0) {
      const n = Number((await (await client.query({ query: 'SELECT count() AS n FROM spans', format: 'JSONEachRow' })).json<{ n: string }>())[0]?.n);
      await load(client, database, append, 42 + Math.round(n / 1000));
      return;
    }
    const copies = Number(process.env['BENCH_REPLICATE'] ?? 1);
    if (kept !== undefined && copies > 1) {
      await replicate(client, copies, (msg) => process.stderr.write(`[bench query] ${msg}\n`));
      return;
    }
    const { ids, startMs } = kept === undefined ? await load(client, database, Number(process.env['BENCH_SPANS'] ?? 1_000_000), 42) : await keptData(client);
    if (kept === undefined || process.env['BENCH_OPTIMIZE'] === '1') await optimize(client);
    await bytesPerSpan(client);
    const apps = [
      { suffix: '', http: await serve(createQueryApp({ client, database })) },
      { suffix: '.spans_layout', http: await serve(createQueryApp({ client, database, traces: { traceSource: 'spans' } })) },
    ];
    try {
      const from = `start=${(startMs - 60_000) * 1000}&end=${(Date.now() + 86_400_000) * 1000}`; // a kept data set may run ahead of the clock
      const v3Range = `query.startTimeMin=${new Date(startMs - 60_000).toISOString()}&query.startTimeMax=${new Date(Date.now() + 86_400_000).toISOString()}`;
      const metricsEnd = startMs + 3_600_000;
      const services = ['frontend', 'api-gateway', 'catalog', 'checkout', 'payment'];
      const cases: Array<[string, (i: number) => string]> = [
        ['trace_by_id', (i) => `/api/traces/${ids[(i * 7919) % ids.length]}`],
        ['search_service', (i) => `/api/traces?service=${services[i % services.length]}&${from}&limit=20`],
        ['search_service_tag', (i) => `/api/traces?service=${services[i % 2]}&${from}&tags=${encodeURIComponent('{"http.response.status_code":"500"}')}&limit=20`],
        ['search_service_duration', (i) => `/api/traces?service=${services[i % services.length]}&${from}&minDuration=1s&limit=20`],
        ['v3_search_tag_no_service', () => `/api/v3/traces?${v3Range}&query.attributes=${encodeURIComponent('{"http.response.status_code":"500"}')}&query.searchDepth=20`],
        ['v3_summaries_service', (i) => `/api/v3/trace-summaries?query.serviceName=${services[i % services.length]}&${v3Range}&query.searchDepth=20`],
        ['metrics_operations_1h', (i) => `/api/metrics/latencies?service=${services[i % services.length]}&endTs=${metricsEnd}&groupByOperation=true&lookback=3600000&quantile=0.95&ratePer=600000&spanKind=server&step=60000`],
      ];
      const reader = new TraceReader(client);
      const only = process.env['BENCH_CASES']?.split(',');
      for (const [name, path] of cases) {
        if (only !== undefined && !only.includes(name)) continue;
        for (const { suffix, http } of apps) {
          for (let i = 0; i < 5; i++) await time(http.url + path(i)); // warm-up
          const samples: number[] = [];
          for (let i = 0; i < REQUESTS; i++) samples.push(await time(http.url + path(i)));
          report(name + suffix, samples);
        }
        if (!name.startsWith('search')) continue;
        // The search step alone (trace ids, as Jaeger's FindTraceIDs), without fetching the
        // traces: in time windows as the API runs it, and as one statement over the whole range.
        const searchOnly: number[] = [];
        const oneStatement: number[] = [];
        for (let i = 0; i < REQUESTS; i++) {
          const q = parseV1Search(searchParams(path(i)), BigInt(Date.now()) * 1_000_000n);
          let t0 = performance.now();
          await reader.findTraceIds(q);
          searchOnly.push(performance.now() - t0);
          const { sql, params } = searchSql(q);
          t0 = performance.now();
          await (await client.query({ query: sql, query_params: { ...params }, format: 'JSONEachRow' })).json();
          oneStatement.push(performance.now() - t0);
        }
        report(`${name}.ids`, searchOnly);
        report(`${name}.ids_one_statement`, oneStatement);
      }
    } finally {
      for (const { http } of apps) await http.close();
    }
  } finally {
    await client.close();
    if (kept === undefined && process.env['BENCH_KEEP'] === '1') process.stderr.write(`[bench query] kept the data directory for BENCH_DATA_DIR=${dir} npm run bench -- query\n`);
    else if (kept === undefined) rmSync(dir, { recursive: true, force: true });
  }
}
