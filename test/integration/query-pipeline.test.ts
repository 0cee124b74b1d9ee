import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from '../../src/app/pipeline.ts';
import { loadConfig } from '../../src/config/config.ts';
import { encodeOtlpJson } from '../../src/model/otlp-json.ts';
import { createQueryApp } from '../../src/query/app.ts';
import type { JaegerTrace } from '../../src/query/jaeger-model.ts';
import { createLogger } from '../../src/util/log.ts';
import { hexId, makeSpan } from '../fixtures/clickhouse.ts';
import { serve } from '../fixtures/query.ts';

let dir: string;
let pipeline: Pipeline;
let http: { url: string; close(): Promise<void> };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tailstream-query-e2e-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ sampling: { decision_wait: '300ms', policies: [{ name: 'keep-all', type: 'always_sample' }] } }));
  const config = loadConfig({
    DATA_DIR: dir, TAILSTREAM_CONFIG: join(dir, 'config.json'), HOST: '127.0.0.1',
    OTLP_HTTP_PORT: '0', ZIPKIN_PORT: '0', JAEGER_HTTP_PORT: '0', JAEGER_AGENT_COMPACT_PORT: '0', JAEGER_AGENT_BINARY_PORT: '0', SAMPLING_PORT: '0', QUERY_PORT: '0', SAMPLING_TICK_MS: '50', SINK_FLUSH_MS: '100', TTL_DAYS: '0', ERROR_TTL_DAYS: '0',
  });
  pipeline = await startPipeline(config, createLogger('e2e', 'warn'));
  http = await serve(createQueryApp({ client: pipeline.clickhouse!, database: config.clickhouse.database }));
});
afterAll(async () => {
  await http?.close();
  await pipeline?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('OTLP receiver → tail sampling → sink → query API', () => {
  it('serves a trace posted as OTLP/JSON, with the policy that kept it', async () => {
    const traceId = hexId(0xe2e, 32);
    const start = BigInt(Date.now() - 5_000) * 1_000_000n;
    const spans = [
      makeSpan({ traceId, spanId: hexId(1, 16), name: 'GET /e2e', startTimeUnixNano: start, endTimeUnixNano: start + 50_000_000n }),
      makeSpan({ traceId, spanId: hexId(2, 16), parentSpanId: hexId(1, 16), service: 'backend', name: 'work', startTimeUnixNano: start + 1_000_000n, endTimeUnixNano: start + 40_000_000n }),
    ];
    const res = await fetch(`http://127.0.0.1:${pipeline.ports.otlp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: encodeOtlpJson(spans) });
    expect(res.status).toBe(200);
    // The pipeline decides after decision_wait of inactivity and the sink flushes in batches: poll with a deadline.
    const deadline = Date.now() + 30_000;
    let trace: JaegerTrace | undefined;
    while (Date.now() < deadline) {
      const r = await fetch(`${http.url}/api/traces/${traceId}`);
      if (r.status === 200) {
        trace = ((await r.json()) as { data: JaegerTrace[] }).data[0];
        if (trace?.spans.length === 2) break;
      } else expect(r.status).toBe(404);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(trace?.spans.map((s) => s.operationName).sort()).toEqual(['GET /e2e', 'work']);
    const root = trace?.spans.find((s) => s.spanID === hexId(1, 16));
    expect(root?.tags.find((t) => t.key === 'sampling.policy')?.value).toBe('keep-all');
    expect(Object.values(trace?.processes ?? {}).map((p) => p.serviceName).sort()).toEqual(['backend', 'frontend']);
  });
});
