import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { startPipeline } from '../../src/app/pipeline.ts';
import { loadConfig, type AppConfig } from '../../src/config/config.ts';
import { encodeOtlpJson } from '../../src/model/otlp-json.ts';
import { KafkaRuntime } from '../../src/streams/kafka-runtime.ts';
import { createLogger } from '../../src/util/log.ts';
import { hexId, makeSpan } from '../fixtures/clickhouse.ts';
import { testBrokers, uniqueName } from '../fixtures/kafka.ts';

// One image, split roles (docker-compose.yml): each role starts only its own parts.
const dirs: string[] = [];
afterEach(() => vi.restoreAllMocks());
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function config(roles: string, overrides: Partial<AppConfig> = {}): AppConfig {
  const dir = mkdtempSync(join(tmpdir(), 'tailstream-roles-'));
  dirs.push(dir);
  const base = loadConfig({
    KAFKA_BROKERS: testBrokers().join(','),
    KAFKA_TOPIC_CONTROL_FIFO: process.env['KAFKA_TOPIC_CONTROL_FIFO'],
    CLICKHOUSE_URL: 'http://clickhouse.invalid:8123', // never opened by an ingest-only process
    TAILSTREAM_ROLES: roles,
    SAMPLING_APP_ID: uniqueName('roles-sampling'),
    SINK_APP_ID: uniqueName('roles-sink'),
    DATA_DIR: dir,
    HOST: '127.0.0.1',
    OTLP_HTTP_PORT: '0',
    ZIPKIN_PORT: '0', JAEGER_HTTP_PORT: '0', JAEGER_AGENT_COMPACT_PORT: '0', JAEGER_AGENT_BINARY_PORT: '0', SAMPLING_PORT: '0',
    QUERY_PORT: '0',
  });
  return { ...base, ...overrides };
}

describe('TAILSTREAM_ROLES', () => {
  it('ingest only: receivers publish to Kafka, no topology starts and ClickHouse is never opened', async () => {
    const start = vi.spyOn(KafkaRuntime.prototype, 'start');
    const cfg = config('ingest');
    const pipeline = await startPipeline(cfg, createLogger('roles', 'warn'));
    try {
      expect(pipeline.topologies).toEqual([]);
      expect(start).not.toHaveBeenCalled();
      expect(pipeline.clickhouse).toBeUndefined();
      expect(pipeline.ports.query).toBeUndefined();
      const traceId = hexId(0x1e, 32);
      const t0 = BigInt(Date.now()) * 1_000_000n;
      const body = encodeOtlpJson([makeSpan({ traceId, spanId: hexId(1, 16), startTimeUnixNano: t0, endTimeUnixNano: t0 + 1_000_000n })]);
      const res = await fetch(`http://127.0.0.1:${pipeline.ports.otlp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(200); // acknowledged by Kafka, with no worker in this process
      expect(pipeline.ports.zipkin).toBeGreaterThan(0);
    } finally {
      await pipeline.stop();
    }
    expect(existsSync(join(cfg.dataDir, 'state'))).toBe(false);
  });

  it('workers only: both topologies run and no port is bound', async () => {
    const listen = vi.spyOn(Server.prototype, 'listen');
    const start = vi.spyOn(KafkaRuntime.prototype, 'start');
    // chdb stands in for the ClickHouse server that config asks a workers-only process for.
    const base = config('workers');
    const cfg = { ...base, clickhouse: { ...base.clickhouse, url: undefined } };
    const pipeline = await startPipeline(cfg, createLogger('roles', 'warn'));
    try {
      expect(pipeline.topologies).toEqual([cfg.applicationIds.sampling, cfg.applicationIds.sink]);
      expect(start).toHaveBeenCalledTimes(2);
      expect(pipeline.ports).toEqual({ otlp: undefined, zipkin: undefined, query: undefined });
      expect(listen).not.toHaveBeenCalled();
    } finally {
      await pipeline.stop();
    }
  });
});
