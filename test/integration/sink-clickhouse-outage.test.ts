import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Producer } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/metrics/registry.ts';
import type { SinkTopics } from '../../src/sink/sink-routes.ts';
import { KafkaRuntime } from '../../src/streams/kafka-runtime.ts';
import { createLogger } from '../../src/util/log.ts';
import { build } from '../../topologies/clickhouse-sink.ts';
import { until } from '../fixtures/app-process.ts';
import { openSwitchableClickHouse, type SwitchableClickHouse } from '../fixtures/clickhouse-outage.ts';
import { testBrokerLabel, testKafka, testTopicAdmin, uniqueName } from '../fixtures/kafka.ts';
import { edge, sampled, spanMetrics, traceSpans } from '../fixtures/sink.ts';
import { pipelineSerdes } from '../fixtures/tail-sampling.ts';

const PARTITIONS = 2;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Where each input record went: its id → partition and offset, per topic. */
type Positions = Map<string, { partition: number; offset: bigint }>;

/** The sink's input, produced with explicit partitions so the test knows every record's offset. */
class Inputs {
  readonly traces: Positions = new Map();
  readonly spans = new Map<string, number>();
  readonly edges: Positions = new Map();
  metricCalls = 0;
  private next = 0;

  constructor(
    private readonly producer: Producer,
    private readonly topics: SinkTopics,
    private readonly serdes: Awaited<ReturnType<typeof pipelineSerdes>>,
  ) {}

  /** `n` sampled traces (2–4 spans each), `n / 2` edges each with its own child, and span metrics. */
  async send(n: number): Promise<void> {
    const ids = Array.from({ length: n }, () => ++this.next);
    for (let p = 0; p < PARTITIONS; p++) {
      const mine = ids.filter((id) => id % PARTITIONS === p).map((id) => sampled(traceSpans(id, 1 + (id % 3))));
      const children = ids.filter((id) => id % 2 === 0 && (id / 2) % PARTITIONS === p).map((id) => `c${id}`);
      await this.sendAt(this.topics.sampledSpans, p, this.traces, mine.map((t) => [t.traceId, this.serdes.sampledTrace.serialize(t)]));
      await this.sendAt(this.topics.dependencyEdges, p, this.edges, children.map((c) => [c, this.serdes.dependencyEdge.serialize(edge(1, c))]));
      await this.sendAt(this.topics.spanMetrics, p, new Map(), mine.map((t) => [t.traceId, this.serdes.spanMetrics.serialize(spanMetrics(t.spans.length))]));
      for (const t of mine) {
        this.spans.set(t.traceId, t.spans.length);
        this.metricCalls += t.spans.length;
      }
    }
  }

  private async sendAt(topic: string, partition: number, positions: Positions, records: [string, Buffer][]): Promise<void> {
    if (records.length === 0) return;
    const [meta] = await this.producer.send({ topic, acks: -1, messages: records.map(([key, value]) => ({ key, value, partition })) });
    const base = BigInt(meta?.baseOffset ?? Number.NaN);
    records.forEach(([key], i) => positions.set(key, { partition, offset: base + BigInt(i) }));
  }
}

async function committed(admin: Admin, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const [c] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map((c?.partitions ?? []).map((p) => [p.partition, p.offset === '-1' ? 0n : BigInt(p.offset)]));
}

/**
 * The sink's promise: a committed offset means ClickHouse holds every row of the records
 * before it. Offsets are read first, ClickHouse second (rows only grow), so a commit
 * racing the read cannot make this pass wrongly.
 */
async function assertNothingCommittedPastClickHouse(admin: Admin, groupId: string, topics: SinkTopics, inputs: Inputs, ch: SwitchableClickHouse): Promise<Map<number, bigint>> {
  const traceCommits = await committed(admin, groupId, topics.sampledSpans);
  const edgeCommits = await committed(admin, groupId, topics.dependencyEdges);
  const stored = new Map((await rows<{ t: string; n: string }>(ch, 'SELECT trace_id AS t, toString(uniqExact(span_id)) AS n FROM tailstream.spans GROUP BY t')).map((r) => [r.t, Number(r.n)]));
  const children = new Set((await rows<{ c: string }>(ch, 'SELECT DISTINCT child AS c FROM tailstream.dependency_edges')).map((r) => r.c));
  for (const [traceId, at] of inputs.traces) {
    if (at.offset < (traceCommits.get(at.partition) ?? 0n)) expect(stored.get(traceId) ?? 0, `trace ${traceId} at ${at.partition}/${at.offset}, committed ${traceCommits.get(at.partition)}`).toBe(inputs.spans.get(traceId));
  }
  for (const [child, at] of inputs.edges) {
    if (at.offset < (edgeCommits.get(at.partition) ?? 0n)) expect(children.has(child), `edge to ${child} at ${at.partition}/${at.offset}, committed ${edgeCommits.get(at.partition)}`).toBe(true);
  }
  return traceCommits;
}

async function rows<T>(ch: SwitchableClickHouse, query: string): Promise<T[]> {
  return (await ch.reader.query({ query, format: 'JSONEachRow' })).json<T>();
}

async function endOffsets(admin: Admin, topic: string): Promise<Map<number, bigint>> {
  return new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, BigInt(o.high)]));
}

/** `tailstream_sink_clickhouse_up` as the metrics endpoint would export it. */
function clickhouseUp(registry: MetricsRegistry): number | undefined {
  const line = registry.exposition().split('\n').find((l) => l.startsWith('tailstream_sink_clickhouse_up '));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

const sinkFailures = (registry: MetricsRegistry): number => {
  const line = registry.exposition().split('\n').find((l) => l.startsWith('tailstream_sink_failures_total'));
  return line === undefined ? 0 : Number(line.split(' ').pop());
};

describe(`clickhouse-sink on KafkaRuntime (exactly_once, ${testBrokerLabel()}) through a ClickHouse outage`, () => {
  it('commits no offset past rows ClickHouse lacks, shows the outage on tailstream_sink_clickhouse_up, and lands every record once when it is back', async () => {
    const kafka = testKafka();
    const serdes = await pipelineSerdes();
    const topics: SinkTopics = { sampledSpans: uniqueName('outage-sampled'), dependencyEdges: uniqueName('outage-edges'), spanMetrics: uniqueName('outage-metrics') };
    const topicAdmin = testTopicAdmin(kafka);
    await topicAdmin.ensureTopics(Object.values(topics).map((topic) => ({ topic, partitions: PARTITIONS })));
    const ch = await openSwitchableClickHouse();
    const stateDir = mkdtempSync(join(tmpdir(), 'sink-outage-state-'));
    dirs.push(stateDir);
    const logs: string[] = [];
    const logger = createLogger('sink-outage', 'warn', (l) => logs.push(l));
    const registry = new MetricsRegistry();
    const applicationId = uniqueName('sink-outage');
    const topology = build({
      applicationId, topics, serdes, registry, logger, client: ch.client, database: 'tailstream', batchRows: 40, flushIntervalMs: 200,
      writer: { maxRetries: 2, baseDelayMs: 50, maxDelayMs: 200 }, // fail a commit in ~0.2 s rather than the production ~20 s
    });
    const runtime = new KafkaRuntime({ applicationId, topology, kafka, topicAdmin, stateDir, processingGuarantee: 'exactly_once', registry, logger });
    const admin = kafka.admin();
    const producer = kafka.producer();
    await admin.connect();
    await producer.connect();
    const inputs = new Inputs(producer, topics, serdes);
    const state = () => `runtime error: ${runtime.error()?.message ?? 'none'}; refused: ${ch.refused()}; logs: ${logs.slice(-5).join('\n')}`;
    const committedToEnd = async (): Promise<true | undefined> => {
      if (runtime.error()) throw new Error(`sink runtime stopped: ${state()}`);
      for (const topic of Object.values(topics)) {
        const [ends, done] = [await endOffsets(admin, topic), await committed(admin, applicationId, topic)];
        for (const [p, end] of ends) if ((done.get(p) ?? 0n) < end) return undefined;
      }
      return true;
    };
    try {
      await runtime.start();
      await inputs.send(20);
      await until('the sink to commit its first records (ClickHouse up)', committedToEnd, 60_000, state);
      const before = await assertNothingCommittedPastClickHouse(admin, applicationId, topics, inputs, ch);
      expect(clickhouseUp(registry)).toBe(1);

      ch.down();
      await inputs.send(30);
      await until('tailstream_sink_clickhouse_up to read 0 during the outage', async () => (clickhouseUp(registry) === 0 ? true : undefined), 30_000, state);
      // Keep producing while ClickHouse is down; the broker keeps the input.
      const failuresAt = sinkFailures(registry);
      await inputs.send(30);
      await until('three more failed ClickHouse attempts (tailstream_sink_failures_total) while it is down', async () => {
        if (runtime.error()) throw new Error(`sink runtime stopped during the outage: ${state()}`);
        const c = await assertNothingCommittedPastClickHouse(admin, applicationId, topics, inputs, ch);
        for (const [p, offset] of c) expect(offset, `partition ${p} committed during the outage`).toBe(before.get(p));
        return sinkFailures(registry) >= failuresAt + 3 ? true : undefined;
      }, 30_000, state);
      expect(clickhouseUp(registry)).toBe(0);
      expect(ch.refused()).toBeGreaterThan(0);

      ch.up();
      await until('the sink to commit every record after ClickHouse came back', committedToEnd, 60_000, state);
      await assertNothingCommittedPastClickHouse(admin, applicationId, topics, inputs, ch);
      expect(clickhouseUp(registry)).toBe(1);

      const totalSpans = [...inputs.spans.values()].reduce((a, b) => a + b, 0);
      expect(await ch.count('SELECT count() FROM tailstream.spans'), 'span rows (a doubled batch would show)').toBe(totalSpans);
      expect(await ch.count('SELECT count() FROM (SELECT span_id FROM tailstream.spans GROUP BY trace_id, span_id HAVING count() > 1)'), 'spans stored twice').toBe(0);
      expect(await ch.count('SELECT uniqExact(trace_id) FROM tailstream.traces')).toBe(inputs.traces.size);
      expect(await ch.count('SELECT sum(calls) FROM tailstream.dependency_edges'), 'edge calls (summed: a doubled batch would show)').toBe(inputs.edges.size);
      expect(await ch.count('SELECT sum(calls) FROM tailstream.span_metrics'), 'span-metric calls').toBe(inputs.metricCalls);
    } finally {
      await runtime.stop().catch(() => undefined);
      await producer.disconnect();
      await admin.disconnect();
      await ch.close();
    }
  });
});
