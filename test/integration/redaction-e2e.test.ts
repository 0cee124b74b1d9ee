/**
 * Redaction end to end: secrets planted in every place a span can hide one, sent through
 * every ingest path (OTLP/HTTP proto and JSON, Zipkin, and OTLP records on raw-spans as the
 * Collector's Kafka exporter writes them), must not reach any topic, RocksDB, ClickHouse or
 * (embedded) the segment logs. Each scan reads the bytes as stored, and also looks for a
 * visible marker planted beside each secret, so a scan that cannot see the data fails.
 */
import { mkdtempSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { ConfigResourceTypes } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from '../../src/app/pipeline.ts';
import { loadConfig, type AppConfig } from '../../src/config/config.ts';
import { encodeOtlpJson } from '../../src/model/otlp-json.ts';
import { encodeOtlpProto } from '../../src/ingest/otlp-proto.ts';
import { WITHHELD_HEADER } from '../../src/ingest/raw-spans-processor.ts';
import type { Span } from '../../src/model/span.ts';
import { REDACTED_HEADER } from '../../src/redaction/redactor.ts';
import { createLogger } from '../../src/util/log.ts';
import { hexId } from '../fixtures/clickhouse.ts';
import { testBrokers, testKafka, uniqueName } from '../fixtures/kafka.ts';
import { filesUnder, markersIn, REDACTION_YAML, SecretFactory, secretsIn, secretTrace } from '../fixtures/redaction-workload.ts';
import { until } from '../fixtures/poll.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function pipelineConfig(env: Record<string, string | undefined>): AppConfig {
  const dir = mkdtempSync(join(tmpdir(), 'tailstream-redact-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'tailstream.yaml'), REDACTION_YAML);
  return loadConfig({
    DATA_DIR: dir,
    TAILSTREAM_CONFIG: join(dir, 'tailstream.yaml'),
    HOST: '127.0.0.1',
    OTLP_HTTP_PORT: '0',
    ZIPKIN_PORT: '0',
    QUERY_PORT: '0',
    SAMPLING_TICK_MS: '50',
    SINK_FLUSH_MS: '100',
    WINDOW_FLUSH_DELAY_MS: '-60000',
    TTL_DAYS: '0',
    ERROR_TTL_DAYS: '0',
    ...env,
  });
}

function zipkinBody(spans: readonly Span[]): string {
  return JSON.stringify(
    spans.map((s) => ({
      traceId: s.traceId,
      id: s.spanId,
      ...(s.parentSpanId ? { parentId: s.parentSpanId } : {}),
      name: s.name,
      kind: 'SERVER',
      timestamp: Number(s.startTimeUnixNano / 1000n),
      duration: 1000,
      localEndpoint: { serviceName: 'redact-zipkin' },
      tags: Object.fromEntries(s.attributes.filter((a) => a.value.type === 'string').map((a) => [a.key, (a.value as { value: string }).value])),
      annotations: s.events.map((e) => ({ timestamp: Number(e.timeUnixNano / 1000n), value: e.name })),
    })),
  );
}

/** Zipkin carries names, string tags and annotations only: the other places are not sent. */
function zipkinPlaces(place: string): boolean {
  return /\.span\d\.(attr|password|api_key|name|event\.name)$/.test(place);
}

async function post(port: number | undefined, path: string, contentType: string, body: string | Uint8Array): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
  expect(res.status, await res.text()).toBe(path === '/api/v2/spans' ? 202 : 200);
}

/** Sends one trace per HTTP path; returns the trace ids and the places that were sent. */
async function sendHttp(p: Pipeline, f: SecretFactory): Promise<{ traceIds: string[]; sentPlaces: (place: string) => boolean }> {
  const proto = secretTrace(f, 'otlpproto', 1);
  const json = secretTrace(f, 'otlpjson', 2);
  const zipkin = secretTrace(f, 'zipkin', 3);
  await post(p.ports.otlp, '/v1/traces', 'application/x-protobuf', encodeOtlpProto(proto));
  await post(p.ports.otlp, '/v1/traces', 'application/json', encodeOtlpJson(json));
  await post(p.ports.zipkin, '/api/v2/spans', 'application/json', zipkinBody(zipkin));
  return { traceIds: [proto, json, zipkin].map((t) => (t[0] as Span).traceId), sentPlaces: (place) => !place.startsWith('zipkin.') || zipkinPlaces(place) };
}

async function spanCount(ch: ClickHouseClient, traceIds: readonly string[]): Promise<number> {
  const rs = await ch.query({ query: 'SELECT count() AS n FROM spans FINAL WHERE trace_id IN {ids:Array(String)}', query_params: { ids: traceIds }, format: 'JSONEachRow' });
  return Number(((await rs.json()) as { n: string }[])[0]?.n ?? 0);
}

/** Every row of every table and view in the database, as text. */
async function everyRow(ch: ClickHouseClient): Promise<string> {
  // Views read these tables; a materialized view's rows live in its TO table.
  const tables = (await (await ch.query({ query: "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine NOT IN ('MaterializedView', 'View')", format: 'JSONEachRow' })).json()) as { name: string }[];
  expect(tables.map((t) => t.name)).toContain('spans');
  let text = '';
  for (const { name } of tables) text += await (await ch.query({ query: `SELECT * FROM \`${name}\``, format: 'JSONEachRow' })).text();
  return text;
}

function expectClean(where: string, bytes: Buffer | string, f: SecretFactory, markers: (place: string) => boolean): void {
  expect(secretsIn(bytes, f.planted), `secrets in ${where}`).toEqual([]);
  const expected = [...f.planted.markers.keys()].filter(markers);
  expect(markersIn(bytes, f.planted).filter(markers).sort(), `visible markers in ${where}`).toEqual(expected.sort());
}

/** The Kafka log segments (`*.log`) of the topics a test owns, read from the broker's log.dirs. */
async function brokerLogBytes(owned: (topic: string) => boolean): Promise<Map<string, Buffer>> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    const out = new Map<string, Buffer>();
    for (const b of cluster.brokers) {
      const cfg = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER, name: String(b.nodeId), configNames: ['log.dirs'] }] });
      const dirsValue = cfg.resources[0]?.configEntries.find((e) => e.configName === 'log.dirs')?.configValue ?? '';
      for (const logDir of dirsValue.split(',')) {
        if (!existsSync(logDir)) throw new Error(`broker ${b.nodeId}'s log.dirs ${logDir} is not on this machine: this test reads the broker's files`);
        for (const name of readdirSync(logDir)) {
          const topic = name.replace(/-\d+$/, '');
          if (!owned(topic)) continue;
          const bytes = filesUnder(join(logDir, name), (p) => p.endsWith('.log'));
          out.set(topic, Buffer.concat([out.get(topic) ?? Buffer.alloc(0), bytes]));
        }
      }
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}

describe('redaction keeps planted secrets out of storage', () => {
  it('on Kafka: raw-spans (ours), the DLQ, changelogs, repartition, sampled-spans, RocksDB and ClickHouse', async () => {
    const run = Date.now().toString(36);
    const f = new SecretFactory(15, run);
    const prefix = `${uniqueName('redact')}.`;
    const ids = { sampling: uniqueName('redact-sampling'), sink: uniqueName('redact-sink') };
    const config = pipelineConfig({ KAFKA_BROKERS: testBrokers().join(','), KAFKA_TOPIC_CONTROL_FIFO: process.env['KAFKA_TOPIC_CONTROL_FIFO'], KAFKA_TOPIC_PREFIX: prefix, SAMPLING_APP_ID: ids.sampling, SINK_APP_ID: ids.sink });
    const pipeline = await startPipeline(config, createLogger('redact', 'warn'));
    let rows: string;
    let sent: Awaited<ReturnType<typeof sendHttp>>;
    const collectorTraces = [secretTrace(f, 'collector', 4), secretTrace(f, 'collectormixed', 5), secretTrace(f, 'collectormixed', 6), secretTrace(f, 'collectorpartial', 7, 1)];
    const invalid = secretTrace(f, 'collectorinvalid', 8, 1).map((s) => ({ ...s, spanId: '0'.repeat(16) }));
    const unreadable = `{"resourceSpans":[{"resource":{"attributes":[{"key":"x","value":{"stringValue":"${f.text('collectorunreadable')}`;
    try {
      sent = await sendHttp(pipeline, f);
      // As the Collector's Kafka exporter writes raw-spans: OTLP protobuf, keyed by trace id or not.
      const producer = testKafka().producer();
      await producer.connect();
      const proto = { 'content-type': 'application/x-protobuf' };
      await producer.send({
        topic: config.topics.rawSpans,
        messages: [
          { key: (collectorTraces[0]?.[0] as Span).traceId, value: Buffer.from(encodeOtlpProto(collectorTraces[0] as Span[])), headers: proto },
          { key: null, value: Buffer.from(encodeOtlpProto([...(collectorTraces[1] as Span[]), ...(collectorTraces[2] as Span[])])), headers: proto },
          { key: null, value: Buffer.from(encodeOtlpProto([...(collectorTraces[3] as Span[]), ...invalid])), headers: proto },
          { key: hexId(9, 32), value: Buffer.from(unreadable), headers: { 'content-type': 'application/json' } },
        ],
      });
      await producer.disconnect();
      const traceIds = [...sent.traceIds, ...collectorTraces.map((t) => (t[0] as Span).traceId)];
      const ch = pipeline.clickhouse as ClickHouseClient;
      await until('every valid span in ClickHouse', async () => ((await spanCount(ch, traceIds)) === 6 * 2 + 1 ? true : undefined));
      rows = await everyRow(ch);
      expect(rows).toContain('redaction.masked.count');
    } finally {
      await pipeline.stop();
    }
    const stored = (place: string): boolean => sent.sentPlaces(place) && !/^collector(invalid|unreadable)/.test(place);
    expectClean('ClickHouse (every row of every table)', rows, f, stored);
    expect(secretsIn(filesUnder(join(config.dataDir, 'clickhouse')), f.planted), 'secrets in the chdb data directory').toEqual([]);

    const topics = await brokerLogBytes((t) => t.startsWith(prefix) || t.startsWith(ids.sampling) || t.startsWith(ids.sink));
    expectClean('sampled-spans', topics.get(config.topics.sampledSpans) ?? Buffer.alloc(0), f, stored);
    expectClean('spans repartition topic', topics.get(`${ids.sampling}-spans-repartition`) ?? Buffer.alloc(0), f, (p) => /^collector(mixed|partial)\./.test(p));
    const changelogs = Buffer.concat([...topics].filter(([t]) => t.endsWith('-changelog')).map(([, b]) => b));
    expect(secretsIn(changelogs, f.planted), 'secrets in changelog topics').toEqual([]);
    expect(markersIn(changelogs, f.planted).length, 'buffered spans are visible in the changelogs').toBeGreaterThan(0);
    for (const [t, bytes] of topics) if (t !== config.topics.rawSpans) expect(secretsIn(bytes, f.planted), `secrets in ${t}`).toEqual([]);

    // raw-spans: the records our ingest wrote are redacted (the Collector's own records are its bytes).
    const raw = await readTopic(config.topics.rawSpans, 7);
    const ours = raw.filter((r) => r.headers[REDACTED_HEADER] !== undefined);
    expect(ours.length).toBeGreaterThanOrEqual(3);
    expectClean('raw-spans records written by our ingest', Buffer.concat(ours.map((r) => r.bytes)), f, (p) => /^(otlpproto|otlpjson|zipkin)\./.test(p) && sent.sentPlaces(p));
    expect(raw.length - ours.length).toBe(4);

    // The DLQ holds the reasons for the invalid span and the unreadable record, not their bytes.
    const dlq = await readTopic(config.topics.deadLetter, 2);
    expect(dlq.length).toBe(2);
    for (const r of dlq) expect(r.headers[WITHHELD_HEADER]).toBeDefined();
    expect(secretsIn(Buffer.concat(dlq.map((r) => r.bytes)), f.planted)).toEqual([]);
    expect(secretsIn(topics.get(config.topics.deadLetter) ?? Buffer.alloc(0), f.planted)).toEqual([]);

    const state = filesUnder(join(config.dataDir, 'state'));
    expect(secretsIn(state, f.planted), 'secrets in RocksDB files').toEqual([]);
    expect(markersIn(state, f.planted).length, 'buffered spans are visible in the RocksDB files').toBeGreaterThan(0);
  }, 180_000);

  it('embedded: the segment logs, RocksDB and chdb', async () => {
    const run = Date.now().toString(36);
    const f = new SecretFactory(16, run);
    const config = pipelineConfig({});
    const pipeline = await startPipeline(config, createLogger('redact', 'warn'));
    let rows: string;
    let sent: Awaited<ReturnType<typeof sendHttp>>;
    try {
      sent = await sendHttp(pipeline, f);
      const ch = pipeline.clickhouse as ClickHouseClient;
      await until('every span in ClickHouse', async () => ((await spanCount(ch, sent.traceIds)) === 6 ? true : undefined));
      rows = await everyRow(ch);
    } finally {
      await pipeline.stop();
    }
    expectClean('ClickHouse (every row of every table)', rows, f, sent.sentPlaces);
    expect(secretsIn(filesUnder(join(config.dataDir, 'clickhouse')), f.planted)).toEqual([]);
    const logs = filesUnder(join(config.dataDir, 'log'));
    expect(secretsIn(logs, f.planted), 'secrets in the segment logs').toEqual([]);
    const state = filesUnder(join(config.dataDir, 'state'));
    expect(secretsIn(state, f.planted), 'secrets in RocksDB files').toEqual([]);
    expect(markersIn(Buffer.concat([logs, state]), f.planted).length, 'spans are visible in the logs or RocksDB').toBeGreaterThan(0);
  }, 120_000);
});

/**
 * The first `count` records of a topic, committed or not, each with its bytes (key, value,
 * headers) as one buffer; a topic's whole log is scanned by `brokerLogBytes`.
 */
async function readTopic(topic: string, count: number): Promise<{ headers: Record<string, Buffer>; bytes: Buffer }[]> {
  const kafka = testKafka();
  const out: { headers: Record<string, Buffer>; bytes: Buffer }[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('redact-reader'), readUncommitted: true, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        const headers: Record<string, Buffer> = {};
        for (const [k, v] of Object.entries(m.headers ?? {})) if (Buffer.isBuffer(v)) headers[k] = v;
        out.push({ headers, bytes: Buffer.concat([m.key ?? Buffer.alloc(0), m.value ?? Buffer.alloc(0), ...Object.entries(headers).flatMap(([k, v]) => [Buffer.from(k), v])]) });
      }
    },
  });
  await until(`${count} records of ${topic}`, async () => (out.length >= count ? true : undefined), 30_000);
  await consumer.disconnect();
  return out;
}
