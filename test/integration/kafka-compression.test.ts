/**
 * Compressed record batches on Apache Kafka, checked against Kafka's own Java client (the
 * codecs an OTel Collector's Kafka exporter offers): batches the Java producer compressed,
 * batches the broker recompressed for a topic's `compression.type`, and batches our producer
 * compressed, read by the Java consumer. The log size proves each batch really was compressed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompressionCodecs, CompressionTypes, type Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawSpansDecoder } from '../../src/ingest/decode.ts';
import { KafkaSpanPublisher } from '../../src/ingest/kafka-publisher.ts';
import { spanBatchSerde } from '../../src/serde/avro-serde.ts';
import { InProcessRegistry } from '../../src/serde/registry.ts';
import { registerCompressionCodecs } from '../../src/streams/compression.ts';
import { KafkaRuntime } from '../../src/streams/kafka-runtime.ts';
import { build as buildEventCount } from '../../topologies/event-count.ts';
import { JavaKafkaClient, type KeyValue } from '../fixtures/java-kafka.ts';
import { consumeUntil, testBrokerLabel, testKafka, testTopicAdmin, uniqueName } from '../fixtures/kafka.ts';

const CODECS = [
  ['gzip', CompressionTypes.GZIP],
  ['snappy', CompressionTypes.Snappy],
  ['lz4', CompressionTypes.LZ4],
  ['zstd', CompressionTypes.ZSTD],
] as const;
const RECORDS = 300;
const SPANS_PER_TRACE = 4;

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** An OTLP JSON trace, as a Collector's Kafka exporter (`otlp_json`) writes one per record. */
function otlpTrace(i: number, salt: number): KeyValue {
  const traceId = hex(salt, 8) + hex(i, 24);
  const start = 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000n;
  const spans = Array.from({ length: SPANS_PER_TRACE }, (_, s) => ({
    traceId,
    spanId: hex(i * 16 + s + 1, 16),
    ...(s > 0 ? { parentSpanId: hex(i * 16 + 1, 16) } : {}),
    name: s === 0 ? 'GET /checkout' : `SELECT orders ${s}`,
    kind: s === 0 ? 2 : 3,
    startTimeUnixNano: String(start + BigInt(s) * 1000n),
    endTimeUnixNano: String(start + BigInt(s) * 1000n + 250_000n),
    attributes: [{ key: 'http.route', value: { stringValue: '/checkout' } }, { key: 'db.system', value: { stringValue: 'postgresql' } }],
    status: { code: i % 10 === 0 ? 2 : 0 },
  }));
  const doc = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: `shop-${i % 5}` } }] }, scopeSpans: [{ scope: { name: 'tailstream-test' }, spans }] }] };
  return { key: Buffer.from(traceId), value: Buffer.from(JSON.stringify(doc)) };
}

const workload = (salt: number) => Array.from({ length: RECORDS }, (_, i) => otlpTrace(i, salt));
const rawBytes = (records: readonly KeyValue[]) => records.reduce((n, r) => n + r.key.length + r.value.length, 0);
const asText = (records: readonly KeyValue[]) => records.map((r) => `${r.key.toString()} ${r.value.toString()}`).sort();

/** The spans of an OTLP JSON record, through the raw-spans decoder. */
function spansOf(decoder: RawSpansDecoder, r: KeyValue) {
  const decoded = decoder.decodeBytes(r.value);
  if (!decoded.ok) throw new Error(`record ${r.key.toString()}: ${decoded.error}`);
  expect(decoded.rejected).toEqual([]);
  return decoded.spans;
}

async function createTopic(kafka: Kafka, topic: string, config: Record<string, string> = {}): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 3, configEntries: Object.entries(config).map(([name, value]) => ({ name, value })) }],
    });
  } finally {
    await admin.disconnect();
  }
}

/** Records in the log now: the sum of the partitions' high watermarks (no transactions here). */
async function logRecords(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Every record of `topic` up to its high watermarks, by offset, read by a kafkajs group
 * consumer. A group consumer may deliver an offset twice (a rebalance rewinds it to the last
 * commit): that is no codec's doing, so records are kept per partition and offset, while a
 * second copy in the log (at another offset) still shows.
 */
async function readWithKafkajs(kafka: Kafka, topic: string): Promise<KeyValue[]> {
  const count = await logRecords(kafka, topic);
  const byOffset = new Map<string, KeyValue>();
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 100 });
  let failure: Error | undefined;
  consumer.on(consumer.events.CRASH, (e) => {
    if (!e.payload.restart) failure = e.payload.error; // a retriable crash restarts and re-reads
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) byOffset.set(`${batch.partition}/${m.offset}`, { key: m.key ?? Buffer.alloc(0), value: m.value ?? Buffer.alloc(0) });
      },
    });
    const until = Date.now() + 60_000;
    while (byOffset.size < count) {
      if (failure) throw new Error(`reading ${topic}: ${failure.message}`, { cause: failure });
      if (Date.now() > until) throw new Error(`timed out reading ${topic}: ${byOffset.size} of ${count} records`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await consumer.disconnect();
  }
  return [...byOffset.values()];
}

async function produceWithKafkajs(kafka: Kafka, topic: string, records: readonly KeyValue[], compression: CompressionTypes): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, compression, messages: records.map((r) => ({ key: r.key, value: r.value })) });
  } finally {
    await producer.disconnect();
  }
}

let java: JavaKafkaClient;
const dirs: string[] = [];
beforeAll(async () => {
  console.log(`[kafka-compression] broker: ${testBrokerLabel()}`);
  java = await JavaKafkaClient.start();
});
afterAll(async () => {
  await java?.stop();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

// First in the file: kafkajs's codec table is process-wide, and this test must see it bare.
it('the stream runtime reads input the Java producer compressed with every codec, registering the codecs itself', async () => {
  expect(() => CompressionCodecs[CompressionTypes.Snappy]()).toThrow(/not implemented/i);
  const kafka = testKafka();
  const input = uniqueName('compressed-input');
  const output = uniqueName('compressed-counts');
  await testTopicAdmin(kafka).ensureTopics([{ topic: input, partitions: 3 }, { topic: output, partitions: 3 }]);
  for (const [codec] of CODECS) await java.produce(input, codec, workload(CODECS.findIndex(([c]) => c === codec)));
  const stateDir = mkdtempSync(join(tmpdir(), 'compression-it-'));
  dirs.push(stateDir);
  const rt = new KafkaRuntime({ applicationId: uniqueName('compression-app'), topology: buildEventCount({ inputTopic: input, outputTopic: output }), kafka, topicAdmin: testTopicAdmin(kafka), stateDir });
  await rt.start();
  try {
    // Trace ids differ by codec (the salt), so every key is counted exactly once.
    const counts = new Map<string, bigint>();
    await consumeUntil(kafka, output, (k, v) => k && v && counts.set(k.toString(), v.readBigInt64BE(0)), () => counts.size >= RECORDS * CODECS.length);
    expect(counts.size).toBe(RECORDS * CODECS.length);
    expect([...counts.values()].every((n) => n === 1n)).toBe(true);
    expect(rt.metrics.recordsIn.total()).toBe(RECORDS * CODECS.length);
  } finally {
    await rt.stop();
  }
});

describe.each(CODECS)('%s batches on the broker', (codec, type) => {
  const kafka = testKafka();
  const salt = 100 + type;
  beforeAll(() => registerCompressionCodecs());

  it('records the Java producer compressed decode as raw-spans', async () => {
    const topic = uniqueName(`java-${codec}`);
    await createTopic(kafka, topic);
    const sent = workload(salt);
    const logSize = await java.produce(topic, codec, sent);
    expect(logSize).toBeLessThan(rawBytes(sent) / 2);
    const got = await readWithKafkajs(kafka, topic);
    expect(asText(got)).toEqual(asText(sent));
    const decoder = new RawSpansDecoder();
    for (const r of got) expect(spansOf(decoder, r).map((s) => s.traceId)).toEqual(Array(SPANS_PER_TRACE).fill(r.key.toString()));
  });

  it(`a topic with compression.type=${codec} recompresses our uncompressed batches; kafkajs and Java read them back`, async () => {
    const topic = uniqueName(`topic-${codec}`);
    await createTopic(kafka, topic, { 'compression.type': codec });
    const sent = workload(salt + 10);
    await produceWithKafkajs(kafka, topic, sent, CompressionTypes.None);
    expect(asText(await readWithKafkajs(kafka, topic))).toEqual(asText(sent));
    const { records, logSize } = await java.consume(topic, RECORDS);
    expect(asText(records)).toEqual(asText(sent));
    expect(logSize).toBeLessThan(rawBytes(sent) / 2);
  });

  it('our producer compresses; the Java consumer reads the batches', async () => {
    const topic = uniqueName(`ours-${codec}`);
    await createTopic(kafka, topic);
    const sent = workload(salt + 20);
    await produceWithKafkajs(kafka, topic, sent, type);
    const { records, logSize } = await java.consume(topic, RECORDS);
    expect(asText(records)).toEqual(asText(sent));
    expect(logSize).toBeLessThan(rawBytes(sent) / 2);
    expect(asText(await readWithKafkajs(kafka, topic))).toEqual(asText(sent));
  });

  it(`the ingest publisher with KAFKA_COMPRESSION=${codec} writes SpanBatch records the Java consumer reads`, async () => {
    const topic = uniqueName(`ingest-${codec}`);
    await createTopic(kafka, topic);
    const decoder = new RawSpansDecoder();
    const traces = workload(salt + 30).map((r) => ({ traceId: r.key.toString(), spans: spansOf(decoder, r) }));
    const publisher = new KafkaSpanPublisher(kafka, await spanBatchSerde(InProcessRegistry.fromDir()), { topic, compression: codec });
    try {
      await publisher.publish(traces);
    } finally {
      await publisher.close();
    }
    const { records, logSize } = await java.consume(topic, RECORDS);
    const got = new Map(records.map((r) => [r.key.toString(), spansOf(decoder, r)]));
    expect(got).toEqual(new Map(traces.map((t) => [t.traceId, t.spans])));
    expect(logSize).toBeLessThan(rawBytes(records) / 2);
  });
});
