import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import type { DependencyEdge } from '../../src/edges/types.ts';
import type { SampledTrace } from '../../src/model/sampled-trace.ts';
import { openClickHouse } from '../../src/clickhouse/client.ts';
import type { ProcessingGuarantee } from '../../src/streams/kafka-runtime.ts';
import { testKafka, testTopicAdmin, uniqueName } from '../fixtures/kafka.ts';
import { edge, sampled, traceSpans } from '../fixtures/sink.ts';
import { pipelineSerdes } from '../fixtures/tail-sampling.ts';
import { WorkerProcess } from '../fixtures/worker.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'sink-it-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const script = join(import.meta.dirname, '../fixtures/sink-worker.ts');

async function produce(kafka: Kafka, topics: { sampled: string; edges: string }, traces: SampledTrace[], edges: DependencyEdge[]) {
  const serdes = await pipelineSerdes();
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic: topics.sampled, acks: -1, messages: traces.map((t) => ({ key: t.traceId, value: serdes.sampledTrace.serialize(t) })) });
    await producer.send({ topic: topics.edges, acks: -1, messages: edges.map((e, i) => ({ key: `a|b${i % 5}`, value: serdes.dependencyEdge.serialize(e) })) });
  } finally {
    await producer.disconnect();
  }
}

/** Until the group committed every input partition up to its end. */
async function waitCommittedToEnd(kafka: Kafka, groupId: string, topics: string[], worker: WorkerProcess, timeoutMs = 60_000) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const until = Date.now() + timeoutMs;
    for (;;) {
      let behind = 0;
      for (const topic of topics) {
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        for (const e of ends) {
          const c = committed?.partitions.find((p) => p.partition === e.partition)?.offset ?? '-1';
          if (BigInt(c) < BigInt(e.high)) behind++;
        }
      }
      if (behind === 0) return;
      if (worker.child.exitCode !== null) throw new Error(`worker exited: ${worker.stderr}`);
      if (Date.now() > until) throw new Error(`offsets not committed to the end; worker ${JSON.stringify(worker.last)} ${worker.stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await admin.disconnect();
  }
}

const exited = (w: WorkerProcess) =>
  w.child.exitCode !== null || w.child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => w.child.once('exit', () => r()));

describe('clickhouse-sink on KafkaRuntime, SIGKILLed between insert and offset commit', () => {
  it.each<[ProcessingGuarantee]>([['at_least_once'], ['exactly_once']])('ClickHouse ends up with exactly the input (%s)', async (guarantee) => {
    const kafka = testKafka();
    const t = { sampled: uniqueName('sampled-spans'), edges: uniqueName('dependency-edges'), metrics: uniqueName('span-metrics') };
    await testTopicAdmin(kafka).ensureTopics([t.sampled, t.edges, t.metrics].map((topic) => ({ topic, partitions: 2 })));
    const appId = uniqueName('sink-app');
    const chDir = tempDir();
    const env = { APP_ID: appId, SAMPLED_TOPIC: t.sampled, EDGES_TOPIC: t.edges, METRICS_TOPIC: t.metrics, GUARANTEE: guarantee, CH_DIR: chDir, STATE_DIR: tempDir() };
    const traces = (from: number, n: number) => Array.from({ length: n }, (_, i) => sampled(traceSpans(from + i, 2 + (i % 3))));
    const edges = (n: number, calls: number) => Array.from({ length: n }, (_, i) => edge(calls, `b${i % 5}`));

    const first = { traces: traces(1, 60), edges: edges(40, 1) };
    await produce(kafka, t, first.traces, first.edges);
    // Small batches before the crash, default ones after: the replay would batch differently without the recorded cut.
    const a = new WorkerProcess(script, { ...env, SINK_CRASH_AFTER_INSERT: '1', SINK_BATCH_ROWS: '20' });
    await exited(a);
    expect(a.child.signalCode).toBe('SIGKILL');

    const more = { traces: traces(1000, 30), edges: edges(25, 7) };
    await produce(kafka, t, more.traces, more.edges);
    const b = new WorkerProcess(script, env);
    try {
      await waitCommittedToEnd(kafka, appId, [t.sampled, t.edges], b);
    } finally {
      await b.kill('SIGTERM');
    }
    expect(b.last.event).toBe('stopped');
    expect((b.last as unknown as { replayed: number }).replayed).toBeGreaterThanOrEqual(1);

    const ch = await openClickHouse({ dataDir: chDir, database: 'tailstream' });
    try {
      const num = async (sql: string) => Number(((await (await ch.query({ query: `SELECT (${sql}) AS v`, format: 'JSONEachRow' })).json<{ v: string }>())[0] as { v: string }).v);
      const spans = [...first.traces, ...more.traces].reduce((n, x) => n + x.spans.length, 0);
      expect(await num('SELECT count() FROM spans')).toBe(spans); // raw rows: a doubled batch would show
      expect(await num('SELECT count() FROM (SELECT trace_id FROM traces GROUP BY trace_id)')).toBe(90);
      expect(await num('SELECT sum(calls) FROM dependency_edges')).toBe(40 * 1 + 25 * 7);
      expect(await num('SELECT sum(calls) FROM dependency_edges_1h')).toBe(215);
      expect(await num("SELECT sum(calls) FROM dependency_edges WHERE child = 'b0'")).toBe(8 * 1 + 5 * 7);
    } finally {
      await ch.close();
    }
  });
});
