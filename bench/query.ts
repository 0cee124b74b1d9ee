/**
 * `npm run bench -- query`: load BENCH_SPANS (default 1 000 000) spans of the seeded
 * workload into a fresh embedded ClickHouse through the sink writer, then time the query
 * API over real HTTP: trace by id, and searches by service, service + tag, service +
 * duration (whole responses, 20 traces each; and the search step alone, `.ids`). Prints `name value unit` lines; progress goes to stderr.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createQueryApp } from '../src/query/app.ts';
import { parseV1Search, searchParams } from '../src/query/params.ts';
import { TraceReader } from '../src/query/reader.ts';
import { openClickHouse } from '../src/sink/clickhouse.ts';
import { migrate } from '../src/sink/migrate.ts';
import { serve } from '../test/fixtures/query.ts';
import { loadWorkload } from '../test/fixtures/query-workload.ts';

const REQUESTS = Number(process.env['BENCH_REQUESTS'] ?? 200);

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

export default async function bench(_args: string[]): Promise<void> {
  const target = Number(process.env['BENCH_SPANS'] ?? 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'tailstream-bench-query-'));
  const client = await openClickHouse({ dataDir: dir, database: 'tailstream' });
  try {
    await migrate(client, { database: 'tailstream', spansTtlDays: 0, errorTtlDays: 0 });
    const traces = Math.ceil(target / 20) + 100; // ~23 spans a trace; the span cap stops early
    // Spread over the last ~hour at the workload's default 100 traces/s scaled to fit.
    const startMs = Date.now() - Math.ceil(traces / 100) * 1000 - 60_000;
    const t0 = performance.now();
    let last = 0;
    const loaded = await loadWorkload(client, {
      seed: 42, traces, spans: target, startMs, batchSpans: 50_000,
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
    const http = await serve(createQueryApp({ client, database: 'tailstream' }));
    try {
      const ids = loaded.traceIds;
      const from = `start=${(startMs - 60_000) * 1000}&end=${Date.now() * 1000}`;
      const services = ['frontend', 'api-gateway', 'catalog', 'checkout', 'payment'];
      const cases: Array<[string, (i: number) => string]> = [
        ['trace_by_id', (i) => `/api/traces/${ids[(i * 7919) % ids.length]}`],
        ['search_service', (i) => `/api/traces?service=${services[i % services.length]}&${from}&limit=20`],
        ['search_service_tag', (i) => `/api/traces?service=${services[i % 2]}&${from}&tags=${encodeURIComponent('{"http.response.status_code":"500"}')}&limit=20`],
        ['search_service_duration', (i) => `/api/traces?service=${services[i % services.length]}&${from}&minDuration=1s&limit=20`],
      ];
      const reader = new TraceReader(client);
      for (const [name, path] of cases) {
        for (let i = 0; i < 5; i++) await time(http.url + path(i)); // warm-up
        const samples: number[] = [];
        for (let i = 0; i < REQUESTS; i++) samples.push(await time(http.url + path(i)));
        report(name, samples);
        if (!name.startsWith('search')) continue;
        // The search step alone (trace ids, as Jaeger's FindTraceIDs), without fetching the traces.
        const ids: number[] = [];
        for (let i = 0; i < REQUESTS; i++) {
          const q = parseV1Search(searchParams(path(i)), BigInt(Date.now()) * 1_000_000n);
          const t0 = performance.now();
          await reader.findTraceIds(q);
          ids.push(performance.now() - t0);
        }
        report(`${name}.ids`, ids);
      }
    } finally {
      await http.close();
    }
  } finally {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
