/**
 * Issue 12, "Restarts lose data": `npm start` (embedded) is killed with SIGKILL in the
 * middle of a burst, restarted, and killed again, three times. Every trace that got an
 * HTTP 200 must then be readable exactly once, and the span-metrics totals must equal the
 * spans stored (always_sample keeps every trace, so "acknowledged → stored" is checkable).
 * Real process, real RocksDB, real chdb.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openClickHouse } from '../../src/clickhouse/client.ts';
import { startEmbeddedProcess, type EmbeddedProcess } from '../fixtures/embedded-process.ts';

const SPANS_PER_TRACE = 4;
const TRACES_PER_REQUEST = 5;
const CLIENTS = 4;
const KILLS = 3;

interface Request {
  readonly service: string;
  readonly traceIds: readonly string[];
}

const dir = mkdtempSync(join(tmpdir(), 'embedded-restart-'));
const processes: EmbeddedProcess[] = [];
afterAll(async () => {
  for (const p of processes) await p.kill9().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const env: Record<string, string> = {
  DATA_DIR: dir,
  TAILSTREAM_CONFIG: join(dir, 'tailstream.yaml'),
  SAMPLING_TICK_MS: '50',
  SINK_FLUSH_MS: '100',
  SINK_BATCH_ROWS: '200',
  WINDOW_FLUSH_DELAY_MS: '-60000', // span metrics leave as partial sums at every tick
  EMBEDDED_LOG_SEGMENT_BYTES: String(64 * 1024), // several segments, so deletion happens
  TTL_DAYS: '0',
  ERROR_TTL_DAYS: '0',
};

let seq = 0;
const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** One OTLP/JSON request: TRACES_PER_REQUEST whole traces under a service name of its own. */
function otlpRequest(): { body: string; request: Request } {
  const service = `svc-${seq++}`;
  const now = BigInt(Date.now()) * 1_000_000n;
  const traceIds: string[] = [];
  const spans = [];
  for (let t = 0; t < TRACES_PER_REQUEST; t++) {
    const traceId = hex(16);
    traceIds.push(traceId);
    const root = hex(8);
    for (let s = 0; s < SPANS_PER_TRACE; s++) {
      const start = now - BigInt(s) * 1_000_000n;
      spans.push({
        traceId,
        spanId: s === 0 ? root : hex(8),
        ...(s === 0 ? {} : { parentSpanId: root }),
        name: `op-${s}`,
        kind: s === 0 ? 2 : 3,
        startTimeUnixNano: String(start),
        endTimeUnixNano: String(start + 500_000n),
        status: {},
      });
    }
  }
  const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ scope: { name: 'restart-test' }, spans }] }] };
  return { body: JSON.stringify(body), request: { service, traceIds } };
}

/** CLIENTS concurrent senders; once `killAfter` requests were acknowledged, the process gets SIGKILL. */
async function burstThenKill(p: EmbeddedProcess, acked: Request[], killAfter: number): Promise<void> {
  let ackedHere = 0;
  let killed: Promise<void> | undefined;
  const client = async (): Promise<void> => {
    while (!killed) {
      const { body, request } = otlpRequest();
      try {
        const res = await fetch(`http://127.0.0.1:${p.otlpPort}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await res.arrayBuffer();
        if (res.status === 200) {
          acked.push(request);
          if (++ackedHere >= killAfter) killed ??= p.kill9();
        }
      } catch {
        // connection refused or reset: the process is gone, the request was not acknowledged
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  await killed;
}

async function until(what: () => string, probe: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Acknowledged traces the Jaeger API returns whole; the rest are left in `pending`. */
async function readWhole(queryPort: number, pending: Set<string>): Promise<void> {
  const ids = [...pending];
  for (let i = 0; i < ids.length; i += 40) {
    const qs = ids.slice(i, i + 40).map((id) => `traceID=${id}`).join('&');
    const res = await fetch(`http://127.0.0.1:${queryPort}/api/traces?${qs}`);
    const body = (await res.json()) as { data: { traceID: string; spans: unknown[] }[] | null };
    for (const t of body.data ?? []) if (t.spans.length === SPANS_PER_TRACE) pending.delete(t.traceID);
  }
}

async function gauge(queryPort: number, series: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${queryPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? NaN : Number(line.slice(series.length + 1));
}

describe('embedded mode: kill -9 mid-burst and restart, three times', () => {
  it('stores every acknowledged trace exactly once, with exact span-metrics totals', { timeout: 600_000 }, async () => {
    writeFileSync(env['TAILSTREAM_CONFIG'] as string, 'sampling:\n  decision_wait: 300ms\n  root_grace: 100ms\n  policies:\n    - { name: keep-all, type: always_sample }\n');
    const acked: Request[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const p = await startEmbeddedProcess(env);
      processes.push(p);
      await burstThenKill(p, acked, 30 + 15 * kill);
    }

    const p = await startEmbeddedProcess(env, (line) => process.stderr.write(line));
    processes.push(p);
    const pending = new Set(acked.flatMap((r) => r.traceIds));
    expect(pending.size).toBeGreaterThan(0);
    const total = pending.size;
    await until(() => `acknowledged traces readable whole: ${pending.size} of ${total} still missing`, async () => {
      await readWhole(p.queryPort, pending);
      return pending.size === 0;
    });
    // Everything read and decided (the unacknowledged rest too), so the last metrics are out.
    let quiet = 0;
    await until(() => 'an idle pipeline', async () => {
      const idle = (await gauge(p.queryPort, 'tailstream_embedded_backlog_records')) === 0 && (await gauge(p.queryPort, 'tailstream_sampling_traces_in_flight{task="0"}')) === 0;
      quiet = idle ? quiet + 1 : 0;
      return quiet >= 3;
    });
    const health = await fetch(`http://127.0.0.1:${p.queryPort}/healthz`);
    expect(health.status, await health.text()).toBe(200);
    expect(await p.stop()).toBe(0);

    // Consumed segments were deleted: what stays of each topic read in-process is about its active segment.
    for (const topic of ['raw-spans-0', 'sampled-spans-0']) {
      const segments = readdirSync(join(dir, 'log', topic)).filter((f) => f.endsWith('.log'));
      expect(segments.length, `${topic} segments`).toBeLessThanOrEqual(2);
    }

    const ch = await openClickHouse({ dataDir: join(dir, 'clickhouse'), database: 'tailstream' });
    try {
      const rows = async <T>(query: string): Promise<T[]> => (await ch.query({ query, format: 'JSONEachRow' })).json<T>();
      const stored = new Map(
        (await rows<{ trace_id: string; n: string; distinct: string }>('SELECT trace_id, count() AS n, uniqExact(span_id) AS distinct FROM tailstream.spans GROUP BY trace_id')).map((r) => [r.trace_id, { n: Number(r.n), distinct: Number(r.distinct) }]),
      );
      const missing = acked.flatMap((r) => r.traceIds).filter((id) => stored.get(id)?.distinct !== SPANS_PER_TRACE);
      expect(missing, 'acknowledged traces not stored whole').toEqual([]);
      const doubled = [...stored].filter(([, s]) => s.n !== s.distinct).map(([id]) => id);
      expect(doubled, 'traces with a span stored twice').toEqual([]);

      const spansBy = new Map((await rows<{ s: string; n: string }>('SELECT service_name AS s, count() AS n FROM tailstream.spans GROUP BY s')).map((r) => [r.s, Number(r.n)]));
      const callsBy = new Map((await rows<{ s: string; n: string }>('SELECT service AS s, sum(calls) AS n FROM tailstream.span_metrics GROUP BY s')).map((r) => [r.s, Number(r.n)]));
      expect(Object.fromEntries(callsBy), 'span-metrics calls per service = spans stored').toEqual(Object.fromEntries(spansBy));
      for (const r of acked) expect(callsBy.get(r.service), r.service).toBe(SPANS_PER_TRACE * TRACES_PER_REQUEST);
    } finally {
      await ch.close();
    }
  });
});
