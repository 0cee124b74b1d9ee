/**
 * The Confluent path (`SCHEMA_REGISTRY_URL`) against a real Confluent-compatible registry:
 * Apicurio Registry from Maven Central, through its `/apis/ccompat/v7` API, with
 * @kafkajs/confluent-schema-registry as tailstream uses it. The tests share one registry
 * (started once, ~5 s); each registers what it needs, so any one of them runs alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Schema } from 'avsc';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveEdges } from '../../src/edges/index.ts';
import type { DependencyEdge } from '../../src/edges/types.ts';
import { MetricsRegistry } from '../../src/metrics/registry.ts';
import type { Span } from '../../src/model/span.ts';
import { samplingMetrics } from '../../src/sampling/assembly/metrics.ts';
import { parseSamplingConfigText } from '../../src/sampling/config.ts';
import { createPipelineSerdes, type PipelineSerdes } from '../../src/serde/pipeline-serdes.ts';
import { dependencyEdgeMapping, spanMetricsMapping } from '../../src/serde/avro-aggregates.ts';
import { loadSchemaDir, type AvroSchemaJson } from '../../src/serde/avro-schemas.ts';
import { avroReader, sampledTraceMapping, spanBatchMapping, spanBatchSerde, wireSchemaId, type AvroMapping, type AvroSerde } from '../../src/serde/avro-serde.ts';
import { schemaFingerprint } from '../../src/serde/avro-types.ts';
import { ConfluentRegistry } from '../../src/serde/registry-confluent.ts';
import { KafkaRuntime } from '../../src/streams/kafka-runtime.ts';
import { generateWorkload } from '../../src/workload/generator.ts';
import { build } from '../../topologies/tail-sampling.ts';
import { startApicurio, type ApicurioRegistry } from '../broker/apicurio.ts';
import { consumeUntil, testKafka, testTopicAdmin, uniqueName, uniqueSamplingTopics } from '../fixtures/kafka.ts';
import { samplingHarness } from '../fixtures/tail-sampling.ts';

const KEEP_ALL = `
decision_wait: 1s
root_grace: 1s
policies:
  - { name: all, type: always_sample }
`;
/** The pipeline's serdes by record name (= schemas/<name>.avsc). */
const byRecord = (s: PipelineSerdes) => ({ SpanBatch: s.spanBatch, SampledTrace: s.sampledTrace, DependencyEdge: s.dependencyEdge, SpanMetrics: s.spanMetrics, SamplingDecisions: s.samplingDecisions });
const idsOf = (s: PipelineSerdes) => Object.entries(byRecord(s)).map(([name, serde]) => [name, serde.schemaId] as const);

let registry: ApicurioRegistry;
let url: string;
const dirs: string[] = [];
beforeAll(async () => {
  registry = await startApicurio({ log: (l) => console.log(l) });
  url = registry.url;
});
afterAll(async () => {
  await registry?.stop();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

/** Spans of a seeded workload, one entry per trace (every delivery). */
function traces(seed: string, count: number): Span[][] {
  const byTrace = new Map<string, Span[]>();
  for (const d of generateWorkload({ seed, traces: count, errorRate: 0.2, lateRate: 0, duplicateRate: 0 }).deliveries) {
    const spans = byTrace.get(d.span.traceId);
    if (spans) spans.push(d.span);
    else byTrace.set(d.span.traceId, [d.span]);
  }
  return [...byTrace.values()];
}

/** What the tail-sampling topology (test driver, keep-all) makes of `input`: real values for every serde. */
async function topologyOutputs(input: readonly Span[][]) {
  const h = await samplingHarness(KEEP_ALL);
  try {
    for (const spans of input) await h.send(spans);
    await h.advance(1_100);
    await h.advance(1_100);
    return { sampled: h.sampled(), edges: h.edges(), metrics: h.spanMetrics() };
  } finally {
    await h.driver.close();
  }
}

/** The local schemas with `field` added to `recordName` (default: an optional one, as the next release might). */
function withField(recordName: string, field: Record<string, unknown> = { name: 'producer', type: ['null', 'string'], default: null }): Map<string, AvroSchemaJson> {
  const schemas = loadSchemaDir();
  const s = schemas.get(recordName);
  if (!s) throw new Error(`no schemas/${recordName}.avsc`);
  schemas.set(recordName, { ...s, fields: [...(s['fields'] as unknown[]), field] });
  return schemas;
}

const subjectOf = (recordName: string) => `tailstream.${recordName}`;
const REGISTRY_JSON = { 'content-type': 'application/vnd.schemaregistry.v1+json' };
const putConfig = (path: string, compatibility: string) => fetch(`${url}/${path}`, { method: 'PUT', headers: REGISTRY_JSON, body: JSON.stringify({ compatibility }) });

describe('Confluent schema registry path on Apicurio Registry (ccompat v7)', () => {
  it('registers every pipeline schema under its record name; latest id and the schema behind each id match ours', async () => {
    const serdes = await createPipelineSerdes(new ConfluentRegistry(url));
    const client = new SchemaRegistry({ host: url });
    const local = loadSchemaDir();
    const ids = idsOf(serdes);
    expect(new Set(ids.map(([, id]) => id)).size).toBe(5);
    for (const [name, id] of ids) {
      expect(await client.getLatestSchemaId(subjectOf(name))).toBe(id);
      const served = await new ConfluentRegistry(url).typeForId(id);
      expect(served.fingerprint('sha256'), name).toEqual(schemaFingerprint(local.get(name) as Schema));
    }
    // A restarted pipeline registers again and gets the same ids.
    expect(idsOf(await createPipelineSerdes(new ConfluentRegistry(url)))).toEqual(ids);
  });

  it('round-trips real pipeline records; a fresh client reads them by id alone', async () => {
    const input = traces('registry-roundtrip', 30);
    const { sampled, edges, metrics } = await topologyOutputs(input);
    expect(sampled.length).toBe(input.length);
    expect(edges.length).toBeGreaterThan(0);
    expect(metrics.length).toBeGreaterThan(0);

    const writer = await createPipelineSerdes(new ConfluentRegistry(url));
    const fresh = new ConfluentRegistry(url);
    await expectReadById(fresh, 'SpanBatch', writer.spanBatch, spanBatchMapping, input);
    await expectReadById(fresh, 'SampledTrace', writer.sampledTrace, sampledTraceMapping, sampled);
    await expectReadById(fresh, 'DependencyEdge', writer.dependencyEdge, dependencyEdgeMapping, edges);
    await expectReadById(fresh, 'SpanMetrics', writer.spanMetrics, spanMetricsMapping, metrics);
  });

  it('names the id when the registry does not know it', async () => {
    const reader = avroReader('SpanBatch', new ConfluentRegistry(url), spanBatchMapping);
    await expect(reader.readAsync(Buffer.from([0, 0, 0, 0x30, 0x39, 0]))).rejects.toThrow(/12345/);
  });

  it('accepts an added optional field under BACKWARD compatibility and rejects an added required one', async () => {
    const current = await spanBatchSerde(new ConfluentRegistry(url));
    const config = await (await fetch(`${url}/config/${subjectOf('SpanBatch')}`)).json();
    expect(config).toEqual({ compatibilityLevel: 'BACKWARD' });

    const next = await spanBatchSerde(new ConfluentRegistry(url, withField('SpanBatch')));
    expect(next.schemaId).not.toBe(current.schemaId);
    expect(await new SchemaRegistry({ host: url }).getLatestSchemaId(subjectOf('SpanBatch'))).toBe(next.schemaId);
    // Today's reader reads the newer writer's records and vice versa.
    const spans = traces('registry-evolve', 3).flat();
    expect(await current.deserializeAsync(next.serialize(spans))).toEqual(spans);
    expect(await next.deserializeAsync(current.serialize(spans))).toEqual(spans);

    const breaking = new ConfluentRegistry(url, withField('SpanBatch', { name: 'tenant', type: 'string' }));
    await expect(breaking.writerFor('SpanBatch')).rejects.toThrow(/Incompatible artifact: tailstream\.SpanBatch/);
  });

  it('documents where Apicurio differs from Confluent: a subject created without a compatibility level reads back as NONE, and the client then refuses to register', async () => {
    // As a producer with auto.register.schemas would create it: one POST, no config.
    const foreign = { type: 'record', name: 'Foreign', namespace: 'it', fields: [{ name: 'a', type: 'int' }] };
    const post = await fetch(`${url}/subjects/it.Foreign/versions`, {
      method: 'POST',
      headers: REGISTRY_JSON,
      body: JSON.stringify({ schema: JSON.stringify(foreign) }),
    });
    expect(post.status).toBe(200);
    // Confluent answers 404 here (no subject-level config) and the client then sets BACKWARD.
    expect(await (await fetch(`${url}/config/it.Foreign`)).json()).toEqual({ compatibilityLevel: 'NONE' });
    const reg = new ConfluentRegistry(url, new Map([['Foreign', foreign]]));
    await expect(reg.writerFor('Foreign')).rejects.toThrow('Compatibility does not match the configuration (BACKWARD != NONE)');
    // Setting the global level does not change that answer; setting the subject's does.
    expect((await putConfig('config', 'BACKWARD')).status).toBe(200);
    expect(await (await fetch(`${url}/config/it.Foreign`)).json()).toEqual({ compatibilityLevel: 'NONE' });
    expect((await putConfig('config/it.Foreign', 'BACKWARD')).status).toBe(200);
    expect((await reg.writerFor('Foreign')).id).toBeGreaterThan(0);
  });

  it('runs tail sampling on the broker with registry serdes: a newer producer’s batches in, whole kept traces and edges out, all read by id', async () => {
    const input = traces('registry-topology', 8);
    const kafka = testKafka();
    const topics = uniqueSamplingTopics();
    await testTopicAdmin(kafka).ensureTopics(Object.values(topics).map((topic) => ({ topic, partitions: 3 })));
    const applicationId = uniqueName('registry-sampling');
    const serdes = await createPipelineSerdes(new ConfluentRegistry(url));
    const stateDir = mkdtempSync(join(tmpdir(), 'registry-it-'));
    dirs.push(stateDir);
    const runtime = new KafkaRuntime({
      applicationId,
      topology: build({
        applicationId,
        topics,
        sampling: parseSamplingConfigText(KEEP_ALL),
        assembly: { tickMs: 100, windowMs: 60_000, windowFlushDelayMs: 0, maxBytesInFlight: 64 * 1024 * 1024, outputChunkSpans: 1000 },
        serdes,
        metrics: samplingMetrics(new MetricsRegistry()),
      }),
      kafka,
      topicAdmin: testTopicAdmin(kafka),
      stateDir,
      processingGuarantee: 'exactly_once',
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 500,
    });
    await runtime.start();
    try {
      // The writer id is new to the topology: its decoder must fetch that schema by id.
      const newer = await spanBatchSerde(new ConfluentRegistry(url, withField('SpanBatch')));
      expect(serdes.registry.cachedTypeForId(newer.schemaId)).toBeUndefined();
      await produce(kafka, topics.rawSpans, input, newer.serialize);

      const kept = await readAll(kafka, topics.sampledSpans, 'SampledTrace', sampledTraceMapping, (ts) => ts.reduce((n, t) => n + t.spans.length, 0) >= input.flat().length);
      expect(new Set(kept.ids)).toEqual(new Set([serdes.sampledTrace.schemaId]));
      // Whole traces, every field intact through the newer writer's schema.
      const bySpanId = (spans: readonly Span[]) => [...spans].sort((a, b) => a.spanId.localeCompare(b.spanId));
      const keptTraces = new Map<string, Span[]>();
      for (const t of kept.values) keptTraces.set(t.traceId, [...(keptTraces.get(t.traceId) ?? []), ...t.spans]);
      expect(new Map([...keptTraces].map(([id, spans]) => [id, bySpanId(spans)]))).toEqual(new Map(input.map((spans) => [spans[0]?.traceId, bySpanId(spans)])));

      const calls = input.reduce((n, spans) => n + deriveEdges(spans).length, 0);
      expect(calls).toBeGreaterThan(0);
      const edges = await readAll(kafka, topics.dependencyEdges, 'DependencyEdge', dependencyEdgeMapping, (es) => es.reduce((n, e) => n + e.calls, 0) >= calls);
      expect(edges.values.reduce((n, e: DependencyEdge) => n + e.calls, 0)).toBe(calls);
      expect(new Set(edges.ids)).toEqual(new Set([serdes.dependencyEdge.schemaId]));
    } finally {
      await runtime.stop();
    }
  });
});

/** `values` written by `serde` read back through `registry`, which must fetch the writer schema by id. */
async function expectReadById<T>(registry: ConfluentRegistry, recordName: string, serde: AvroSerde<T>, mapping: AvroMapping<T>, values: readonly T[]): Promise<void> {
  expect(registry.cachedTypeForId(serde.schemaId), `${recordName}: id ${serde.schemaId} not yet fetched`).toBeUndefined();
  const reader = avroReader(recordName, registry, mapping);
  const bytes = values.map((v) => serde.serialize(v));
  expect(bytes.map(wireSchemaId), recordName).toEqual(values.map(() => serde.schemaId));
  expect(await Promise.all(bytes.map((b) => reader.readAsync(b))), recordName).toEqual(values);
}

async function produce(kafka: Kafka, topic: string, input: readonly Span[][], serialize: (spans: Span[]) => Buffer): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: input.map((spans) => ({ key: spans[0]?.traceId ?? '', value: serialize([...spans]) })) });
  } finally {
    await producer.disconnect();
  }
}

/** Reads `topic` until `done`, decoding every value with a fresh client (writer schema by id). */
async function readAll<T>(kafka: Kafka, topic: string, recordName: string, mapping: AvroMapping<T>, done: (values: T[]) => boolean): Promise<{ values: T[]; ids: number[] }> {
  const reader = avroReader(recordName, new ConfluentRegistry(url), mapping);
  const values: T[] = [];
  const ids: number[] = [];
  const pending: Promise<void>[] = [];
  const failures: unknown[] = [];
  await consumeUntil(
    kafka,
    topic,
    (_k, v) => {
      if (!v) return;
      ids.push(wireSchemaId(v) ?? -1);
      pending.push(reader.readAsync(v).then((t) => void values.push(t), (err: unknown) => void failures.push(err)));
    },
    () => failures.length > 0 || done(values),
    45_000,
  );
  await Promise.all(pending);
  if (failures.length > 0) throw failures[0];
  return { values, ids };
}
