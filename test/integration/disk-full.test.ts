/**
 * Issue 16, "a full disk degrades gracefully": the embedded logs (`$DATA_DIR/log`) on an
 * 8 MiB tmpfs. With the disk filled, ingest answers 503 + Retry-After (OTLP's retryable
 * answer) instead of acknowledging; once space returns it accepts again by itself, and
 * every acknowledged span — and only those — reaches ClickHouse.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from '../../src/app/pipeline.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/util/log.ts';

const dir = mkdtempSync(join(tmpdir(), 'tailstream-disk-full-'));
const logDir = join(dir, 'log');
const filler = join(logDir, 'filler');
mkdirSync(logDir);
let mounted = false;
let why = '';
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', logDir], { stdio: 'pipe' });
  mounted = true;
} catch (err) {
  // `unshare -rm` would only give a child process its own mount: this test runs in-process.
  why = `cannot mount a size-limited tmpfs here (${(err as Error).message.split('\n')[0]}): needs root or CAP_SYS_ADMIN`;
  console.warn(`[disk-full] skipped: ${why}`);
}

let pipeline: Pipeline | undefined;

beforeAll(async () => {
  if (!mounted) return;
  writeFileSync(join(dir, 'tailstream.yaml'), 'sampling:\n  decision_wait: 200ms\n  root_grace: 50ms\n  policies:\n    - { name: keep-all, type: always_sample }\n');
  pipeline = await startPipeline(
    loadConfig({
      DATA_DIR: dir, TAILSTREAM_CONFIG: join(dir, 'tailstream.yaml'), HOST: '127.0.0.1',
      OTLP_HTTP_PORT: '0', ZIPKIN_PORT: '0', QUERY_PORT: '0', SAMPLING_TICK_MS: '50', SINK_FLUSH_MS: '100', TTL_DAYS: '0', ERROR_TTL_DAYS: '0',
      EMBEDDED_LOG_SEGMENT_BYTES: String(256 * 1024),
    }),
    createLogger('disk-full', 'error'),
  );
});
afterAll(async () => {
  try {
    await pipeline?.stop();
  } finally {
    if (mounted) execFileSync('umount', ['-l', logDir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

let seq = 0;
/** One OTLP/JSON request of `traces` traces with 3 spans each; returns the response and the trace ids. */
async function send(traces: number): Promise<{ res: Response; ids: string[] }> {
  const now = BigInt(Date.now()) * 1_000_000n;
  const ids: string[] = [];
  const spans = [];
  for (let t = 0; t < traces; t++) {
    const traceId = (++seq).toString(16).padStart(32, 'a');
    ids.push(traceId);
    for (let s = 1; s <= 3; s++) {
      spans.push({
        traceId, spanId: (seq * 10 + s).toString(16).padStart(16, 'b'), parentSpanId: s === 1 ? '' : (seq * 10 + 1).toString(16).padStart(16, 'b'),
        name: `op-${s}`, kind: 2, startTimeUnixNano: String(now + BigInt(s)), endTimeUnixNano: String(now + 1_000_000n),
        attributes: [{ key: 'payload', value: { stringValue: 'x'.repeat(2000) } }],
      });
    }
  }
  const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'disk-test' } }] }, scopeSpans: [{ spans }] }] };
  const res = await fetch(`http://127.0.0.1:${pipeline?.ports.otlp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  return { res, ids };
}

/** Writes to the tmpfs until it refuses: the disk is full. */
function fillDisk(): void {
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}

async function sql<T>(query: string): Promise<T[]> {
  const res = await fetch(`http://127.0.0.1:${pipeline?.ports.query}/sql`, { method: 'POST', body: query });
  return ((await res.json()) as { rows: T[] }).rows;
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${pipeline?.ports.query}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

describe.skipIf(!mounted)('embedded mode on a full disk', () => {
  it('answers 503 + Retry-After instead of acknowledging, resumes when space returns, and loses no acknowledged span', async () => {
    const acked: string[] = [];
    const refused: string[] = [];
    const before = await send(5);
    expect(before.res.status).toBe(200);
    acked.push(...before.ids);

    fillDisk();
    for (let i = 0; i < 5; i++) {
      const { res, ids } = await send(5);
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      refused.push(...ids);
    }
    expect(await metric('tailstream_embedded_disk_full_refusals_total')).toBeGreaterThanOrEqual(5);

    unlinkSync(filler); // space returns: no restart, no operator action
    for (let i = 0; i < 5; i++) {
      const { res, ids } = await send(5);
      expect(res.status).toBe(200);
      acked.push(...ids);
    }

    const deadline = Date.now() + 60_000;
    let stored: { trace_id: string; n: string }[] = [];
    while (Date.now() < deadline) {
      stored = await sql<{ trace_id: string; n: string }>("SELECT trace_id, toString(count()) AS n FROM tailstream.spans WHERE service_name = 'disk-test' GROUP BY trace_id ORDER BY trace_id");
      if (stored.length >= acked.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(stored.map((r) => r.trace_id)).toEqual([...acked].sort()); // every acknowledged trace, no refused one
    expect(stored.every((r) => r.n === '3')).toBe(true); // each whole, none doubled
    expect(refused.some((id) => stored.find((r) => r.trace_id === id))).toBe(false);
  }, 120_000);
});
