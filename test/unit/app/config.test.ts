import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/config.ts';

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
    expect(c.ports).toEqual({ otlp: 4318, zipkin: 9411, query: 16686, jaegerHttp: 14268, jaegerCompact: 6831, jaegerBinary: 6832, sampling: 5778 });
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
    expect(c.kafka?.partitions).toBe(6);
    expect(loadConfig({ KAFKA_BROKERS: 'k1:9092', KAFKA_TOPIC_PARTITIONS: '12' }).kafka?.partitions).toBe(12);
    expect(() => loadConfig({ KAFKA_BROKERS: 'k1:9092', KAFKA_TOPIC_PARTITIONS: '0' })).toThrow('KAFKA_TOPIC_PARTITIONS');
    expect(c.clickhouse.url).toBe('http://ch:8123');
    expect(c.sampling.decisionWaitMs).toBe(3000);
    expect(c.assembly.windowFlushDelayMs).toBe(8000);
  });

  it('has no ClickHouse disk budget unless CLICKHOUSE_DISK_BUDGET_BYTES is set, and refuses a bad one', () => {
    expect(loadConfig({}).clickhouse).toMatchObject({ diskBudgetBytes: 0, diskBudgetCheckMs: 30_000 });
    expect(loadConfig({ CLICKHOUSE_DISK_BUDGET_BYTES: '1073741824', DISK_BUDGET_CHECK_MS: '5000' }).clickhouse).toMatchObject({ diskBudgetBytes: 1073741824, diskBudgetCheckMs: 5000 });
    expect(() => loadConfig({ CLICKHOUSE_DISK_BUDGET_BYTES: '10GB' })).toThrow(/CLICKHOUSE_DISK_BUDGET_BYTES/);
  });

  it('commits the tail-sampling topology every 2 s unless SAMPLING_COMMIT_INTERVAL_MS says otherwise, and refuses a bad one', () => {
    expect(loadConfig({}).samplingCommitIntervalMs).toBe(2000);
    expect(loadConfig({ SAMPLING_COMMIT_INTERVAL_MS: '100' }).samplingCommitIntervalMs).toBe(100);
    expect(() => loadConfig({ SAMPLING_COMMIT_INTERVAL_MS: '0' })).toThrow(/SAMPLING_COMMIT_INTERVAL_MS/);
  });

  it('has no RocksDB state disk budget unless STATE_DISK_BUDGET_BYTES is set, checked as often as the ClickHouse one', () => {
    expect(loadConfig({}).stateDisk).toEqual({ budgetBytes: 0, checkMs: 30_000 });
    expect(loadConfig({ STATE_DISK_BUDGET_BYTES: '2147483648', DISK_BUDGET_CHECK_MS: '5000' }).stateDisk).toEqual({ budgetBytes: 2147483648, checkMs: 5000 });
    expect(() => loadConfig({ STATE_DISK_BUDGET_BYTES: '-1' })).toThrow(/STATE_DISK_BUDGET_BYTES/);
  });

  it('prefixes every pipeline topic with KAFKA_TOPIC_PREFIX and takes the application ids', () => {
    const c = loadConfig({ KAFKA_TOPIC_PREFIX: 'tenant-a.', SAMPLING_APP_ID: 'a-sampling', SINK_APP_ID: 'a-sink' });
    expect(c.topics).toEqual({
      rawSpans: 'tenant-a.raw-spans',
      deadLetter: 'tenant-a.raw-spans.dlq',
      sampledSpans: 'tenant-a.sampled-spans',
      dependencyEdges: 'tenant-a.dependency-edges',
      spanMetrics: 'tenant-a.span-metrics',
      samplingDecisions: 'tenant-a.sampling-decisions',
    });
    expect(c.applicationIds).toEqual({ sampling: 'a-sampling', sink: 'a-sink' });
    expect(loadConfig({}).topics.rawSpans).toBe('raw-spans');
  });

  it.each([
    [{ OTLP_HTTP_PORT: 'http' }, 'OTLP_HTTP_PORT: expected an integer ≥ 0, got "http"'],
    [{ PROCESSING_GUARANTEE: 'maybe' }, 'PROCESSING_GUARANTEE: expected at_least_once or exactly_once, got "maybe"'],
    [{ KAFKA_TOPIC_PREFIX: 'a b/' }, 'KAFKA_TOPIC_PREFIX: only letters, digits'],
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

describe('TAILSTREAM_ROLES', () => {
  const cluster = { KAFKA_BROKERS: 'kafka:9092', CLICKHOUSE_URL: 'http://clickhouse:8123' };

  it.each([
    [{}, ['ingest', 'query', 'workers']],
    [{ ...cluster, TAILSTREAM_ROLES: '' }, ['ingest', 'query', 'workers']],
    [{ ...cluster, TAILSTREAM_ROLES: 'ingest,query' }, ['ingest', 'query']],
    [{ ...cluster, TAILSTREAM_ROLES: ' workers ' }, ['workers']],
    [{ KAFKA_BROKERS: 'kafka:9092', TAILSTREAM_ROLES: 'ingest' }, ['ingest']],
    [{ KAFKA_BROKERS: 'kafka:9092', TAILSTREAM_ROLES: 'workers,ingest,query' }, ['ingest', 'query', 'workers']],
  ])('%j runs %j', (env, roles) => {
    expect([...loadConfig(env).roles].sort()).toEqual(roles);
  });

  it.each([
    [{ ...cluster, TAILSTREAM_ROLES: 'ingest,sink' }, 'TAILSTREAM_ROLES: unknown role "sink" in "ingest,sink" (known: ingest, query, workers)'],
    [{ ...cluster, TAILSTREAM_ROLES: 'ingest,,query' }, 'TAILSTREAM_ROLES: unknown role ""'],
    // Embedded raw-spans lives in the process: an ingest-only process would acknowledge spans nobody reads.
    [{ TAILSTREAM_ROLES: 'ingest' }, 'TAILSTREAM_ROLES: "ingest" splits the pipeline across processes, which needs KAFKA_BROKERS'],
    [{ CLICKHOUSE_URL: 'http://clickhouse:8123', TAILSTREAM_ROLES: 'query,workers' }, 'needs KAFKA_BROKERS'],
    // A query process on its own chdb would never see what the workers write.
    [{ KAFKA_BROKERS: 'kafka:9092', TAILSTREAM_ROLES: 'ingest,query' }, 'TAILSTREAM_ROLES: "ingest,query" runs query and workers in different processes, which needs CLICKHOUSE_URL'],
    [{ KAFKA_BROKERS: 'kafka:9092', TAILSTREAM_ROLES: 'workers' }, 'needs CLICKHOUSE_URL'],
  ])('rejects %j naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('/sql settings', () => {
  it('needs no token by default and has limits that leave room for the pipeline', () => {
    const c = loadConfig({});
    expect(c.sql.token).toBeUndefined();
    expect(c.sql.limits).toMatchObject({ timeoutMs: 10_000, maxResultRows: 10_000, maxMemoryBytes: 512 * 1024 * 1024 });
    expect(c.sql.limits.maxThreads).toBeGreaterThanOrEqual(1);
  });

  it('reads SQL_TOKEN and the SQL_* limits, naming a bad one', () => {
    const c = loadConfig({ SQL_TOKEN: 't0ken', SQL_TIMEOUT_MS: '2500', SQL_MAX_THREADS: '1' });
    expect(c.sql.token).toBe('t0ken');
    expect(c.sql.limits).toMatchObject({ timeoutMs: 2500, maxThreads: 1 });
    expect(() => loadConfig({ SQL_TIMEOUT_MS: '0' })).toThrow('SQL_TIMEOUT_MS: expected an integer ≥ 1, got "0"');
  });
});
