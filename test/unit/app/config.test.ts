import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/config.ts';
import { refuseSql } from '../../../src/app/sql-endpoint.ts';

const file = (text: string) => {
  const p = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'tailstream.yaml');
  writeFileSync(p, text);
  return p;
};

describe('loadConfig', () => {
  it('defaults to embedded mode with every default working', () => {
    const c = loadConfig({});
    expect(c.kafka).toBeUndefined();
    expect(c.clickhouse.url).toBeUndefined();
    expect(c.ports).toEqual({ otlp: 4318, zipkin: 9411, query: 16686 });
    expect(c.processingGuarantee).toBe('exactly_once');
    expect(c.sampling.policies.map((p) => p.name)).toEqual(['errors', 'slow', 'probabilistic-10']);
    expect(Object.isFrozen(c.clickhouse)).toBe(true);
  });

  it('reads Kafka, ClickHouse and the sampling policies of the config file', () => {
    const c = loadConfig({
      KAFKA_BROKERS: 'k1:9092, k2:9092',
      CLICKHOUSE_URL: 'http://ch:8123',
      TAILSTREAM_CONFIG: file('sampling:\n  decision_wait: 3s\n  policies:\n    - { name: all, type: always_sample }\n'),
    });
    expect(c.kafka?.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(c.kafka?.compression).toBe('none');
    expect(loadConfig({ KAFKA_BROKERS: 'k1:9092', KAFKA_COMPRESSION: 'zstd' }).kafka?.compression).toBe('zstd');
    expect(c.clickhouse.url).toBe('http://ch:8123');
    expect(c.sampling.decisionWaitMs).toBe(3000);
    expect(c.assembly.windowFlushDelayMs).toBe(8000);
  });

  it.each([
    [{ OTLP_HTTP_PORT: 'http' }, 'OTLP_HTTP_PORT: expected an integer ≥ 0, got "http"'],
    [{ PROCESSING_GUARANTEE: 'maybe' }, 'PROCESSING_GUARANTEE: expected at_least_once or exactly_once, got "maybe"'],
    [{ KAFKA_COMPRESSION: 'brotli' }, 'KAFKA_COMPRESSION: expected one of none, gzip, snappy, lz4, zstd, got "brotli"'],
    [{ TAILSTREAM_CONFIG: '/nonexistent/tailstream.yaml' }, 'TAILSTREAM_CONFIG: cannot read /nonexistent/tailstream.yaml'],
  ])('rejects %j with a message naming the setting', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('names the file and the path of a bad policy', () => {
    const path = file('sampling:\n  policies:\n    - { name: slow, type: latency, latency: { threshold_ms: fast } }\n');
    expect(() => loadConfig({ TAILSTREAM_CONFIG: path })).toThrow(`${path}: sampling.policies[0].latency.threshold_ms`);
    const unknown = file('samplng: {}\n');
    expect(() => loadConfig({ TAILSTREAM_CONFIG: unknown })).toThrow('unknown key "samplng"');
  });
});

describe('read-only SQL endpoint', () => {
  it.each([
    ['SELECT 1', undefined],
    ['with x as (select 1) select * from x;', undefined],
    ['SHOW TABLES', undefined],
    ['INSERT INTO spans VALUES (1)', /read-only/],
    ['DROP TABLE spans', /read-only/],
    ["SELECT 1; DROP TABLE spans", /one statement/],
    ["SELECT ';' AS semicolon", undefined],
    ['SELECT 1 SETTINGS readonly = 0', /SETTINGS/],
    ['', /empty/],
  ])('%s', (sql, refusal) => {
    const r = refuseSql(sql);
    if (refusal === undefined) expect(r).toBeUndefined();
    else expect(r).toMatch(refusal);
  });
});
