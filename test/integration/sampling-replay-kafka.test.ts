/**
 * The input topics as the span buffer's changelog, on KafkaRuntime and the real broker,
 * exactly-once: an instance stops with traces in flight (its committed offsets held back
 * to their first records); another, on a fresh state dir, takes over and replays them.
 * Kept traces complete and once, span metrics exact, nothing sent twice to the
 * repartition topic or the dead-letter topic. Time is skewed by hand to decide.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { MetricsRegistry } from '../../src/metrics/registry.ts';
import type { SampledTrace } from '../../src/model/sampled-trace.ts';
import type { Span } from '../../src/model/span.ts';
import { samplingMetrics, type SamplingMetrics } from '../../src/sampling/assembly/metrics.ts';
import { parseSamplingConfigText } from '../../src/sampling/config.ts';
import { KafkaRuntime } from '../../src/streams/kafka-runtime.ts';
import { build, repartitionTopic } from '../../topologies/tail-sampling.ts';
import { consumeUntil, testKafka, testTopicAdmin, uniqueName, uniqueSamplingTopics } from '../fixtures/kafka.ts';
import { until } from '../fixtures/poll.ts';
import { pipelineSerdes } from '../fixtures/tail-sampling.ts';
import { span, TRACE_ID } from '../unit/edges/span-factory.ts';

const TRACES = 20;
const SPANS = 3;
const CONFIG = `
decision_wait: 10s
policies:
  - { name: errors, type: status_code, status_code: { status_codes: [ERROR] } }
`;
const trace = (n: number) => `${n.toString(16).padStart(8, '0')}${TRACE_ID.slice(8)}`;
const spanOf = (t: number, i: number): Span =>
  span({ id: i + 2, parent: i === 0 ? 1 : i + 1, service: `svc${i % 3}`, kind: 'server', error: t % 2 === 1 && i === 0, traceId: trace(t) });

const dirs: string[] = [];
const runtimes: KafkaRuntime[] = [];
afterAll(async () => {
  for (const r of runtimes) await r.stop().catch(() => undefined);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Wall clock plus a skew the test moves: decisions come when it says, commits still run on real time. */
const clock = { skew: 0, now: () => Date.now() + clock.skew };

async function instance(kafka: Kafka, appId: string, topics: ReturnType<typeof uniqueSamplingTopics>): Promise<{ runtime: KafkaRuntime; metrics: SamplingMetrics }> {
  const registry = new MetricsRegistry();
  const metrics = samplingMetrics(registry);
  const dir = mkdtempSync(join(tmpdir(), 'sampling-replay-'));
  dirs.push(dir);
  const topology = build({
    applicationId: appId,
    topics,
    sampling: parseSamplingConfigText(CONFIG),
    assembly: { tickMs: 100, windowMs: 60_000, windowFlushDelayMs: 0, maxBytesInFlight: 64 * 1024 * 1024, outputChunkSpans: 1000, bufferChangelog: 'source' },
    serdes: await pipelineSerdes(),
    metrics,
  });
  const runtime = new KafkaRuntime({ applicationId: appId, topology, kafka, topicAdmin: testTopicAdmin(kafka), stateDir: dir, processingGuarantee: 'exactly_once', clock, registry, sessionTimeoutMs: 6000, heartbeatIntervalMs: 500 });
  runtimes.push(runtime);
  await runtime.start();
  await until('partitions assigned', async () => (runtime.ownedPartitions().length === 2 ? true : undefined));
  return { runtime, metrics };
}

const inFlight = (m: SamplingMetrics) => m.tracesInFlight.get({ task: 0 }) + m.tracesInFlight.get({ task: 1 });

/** Every record of `topic` (read_committed), read until `enough` holds and then one more second. */
async function readAll<T>(kafka: Kafka, topic: string, decode: (v: Buffer) => T, enough: (got: T[]) => boolean): Promise<T[]> {
  const got: T[] = [];
  let doneAt = 0;
  await consumeUntil(
    kafka,
    topic,
    (_k, v) => {
      if (v) got.push(decode(v));
    },
    () => {
      if (!enough(got)) return false;
      doneAt ||= Date.now();
      return Date.now() - doneAt > 1_000;
    },
  );
  return got;
}

describe('tail sampling on the broker, input topics as the buffer changelog', () => {
  it('another instance takes over in the middle of many in-flight traces: nothing lost, doubled or re-sent', async () => {
    const kafka = testKafka();
    const topics = uniqueSamplingTopics();
    const appId = uniqueName('sampling-replay');
    await testTopicAdmin(kafka).ensureTopics(Object.values(topics).map((topic) => ({ topic, partitions: 2 })));
    const serdes = await pipelineSerdes();
    const producer = kafka.producer();
    await producer.connect();
    const send = (messages: { key: string; value: Buffer }[]) => producer.send({ topic: topics.rawSpans, acks: -1, messages });
    const batch = (spans: Span[]) => serdes.spanBatch.serialize(spans);

    const a = await instance(kafka, appId, topics);
    await send(Array.from({ length: TRACES }, (_, j) => ({ key: trace(j + 1), value: batch([spanOf(j + 1, 0)]) })));
    // Traces 1 and 2 get their second span in one record (through the repartition topic).
    await send([{ key: 'a-batch', value: batch([spanOf(1, 1), spanOf(2, 1)]) }, { key: 'junk', value: Buffer.from([0x0a, 0xff, 0xff]) }]);
    await send(Array.from({ length: TRACES - 2 }, (_, j) => ({ key: trace(j + 3), value: batch([spanOf(j + 3, 1)]) })));
    await until('a buffers every span sent', async () => (a.metrics.spansBuffered.get() === TRACES * 2 ? true : undefined));
    await a.runtime.stop();

    const b = await instance(kafka, appId, topics);
    await until('b rebuilds the in-flight traces', async () => (inFlight(b.metrics) === TRACES && b.metrics.spansBuffered.get() === TRACES * 2 ? true : undefined));
    await send(Array.from({ length: TRACES }, (_, j) => ({ key: trace(j + 1), value: batch([spanOf(j + 1, 2)]) })));
    await until('b buffers the last spans', async () => (b.metrics.spansBuffered.get() === TRACES * SPANS ? true : undefined));
    clock.skew += 11_000;
    await until('b decides every trace', async () => (b.metrics.decisions.total() === TRACES ? true : undefined), 30_000);
    await b.runtime.stop();
    await producer.disconnect();

    const kept = await readAll(kafka, topics.sampledSpans, (v) => serdes.sampledTrace.deserialize(v) as SampledTrace, (g) => g.length >= TRACES / 2);
    const spansOf = new Map<string, string[]>();
    for (const k of kept) spansOf.set(k.traceId, [...(spansOf.get(k.traceId) ?? []), ...k.spans.map((s) => s.spanId)].sort());
    const expected = new Map<string, string[]>();
    for (let t = 1; t <= TRACES; t += 2) expected.set(trace(t), [0, 1, 2].map((i) => spanOf(t, i).spanId).sort());
    expect(spansOf).toEqual(expected);
    const metrics = await readAll(kafka, topics.spanMetrics, (v) => serdes.spanMetrics.deserialize(v), (g) => g.reduce((n, m) => n + m.calls, 0) >= TRACES * SPANS);
    expect(metrics.reduce((n, m) => n + m.calls, 0)).toBe(TRACES * SPANS);
    expect(await readAll(kafka, repartitionTopic(appId), (v) => v, (g) => g.length >= 2)).toHaveLength(2);
    expect(await readAll(kafka, topics.deadLetter, (v) => v, (g) => g.length >= 1)).toHaveLength(1);
  }, 240_000);
});
