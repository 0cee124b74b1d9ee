/**
 * Tail sampling survives losing an instance (issue 4/5, "what must show"): the topology on
 * KafkaRuntime in two worker processes, exactly-once; one is SIGKILLed mid-stream with
 * traces in flight, the survivor restores them from the changelogs and carries on. The kept
 * traces (read_committed) equal a single-instance run of the same input on the test driver,
 * span for span, and the dependency edges equal the ground truth.
 *
 * Each trace goes in as one record: with wall-clock completion, a trace split over records
 * could be decided differently depending on when the survivor reads its rest (see the
 * report on failover and overdue deadlines); one record per trace keeps the expected
 * result independent of scheduling, which is what an exact comparison needs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { deriveEdges, windowStart } from '../../src/edges/index.ts';
import type { DependencyEdge } from '../../src/edges/types.ts';
import type { SampledTrace } from '../../src/model/sampled-trace.ts';
import type { Span } from '../../src/model/span.ts';
import { generateWorkload } from '../../src/workload/generator.ts';
import { edgeKey, type GroundTruth } from '../../src/workload/ground-truth.ts';
import type { TailSamplingTopics } from '../../topologies/tail-sampling.ts';
import { consumeUntil, testKafka, testTopicAdmin, uniqueName } from '../fixtures/kafka.ts';
import { pipelineSerdes, samplingHarness } from '../fixtures/tail-sampling.ts';
import { WorkerProcess, type WorkerStatus } from '../fixtures/worker.ts';

const PARTITIONS = 6;
const SAMPLING_YAML = `
decision_wait: 1s
root_grace: 1s
policies:
  - { name: errors, type: status_code, status_code: { status_codes: [ERROR] } }
  - { name: slow, type: latency, latency: { threshold_ms: 1000 } }
  - { name: probabilistic-10, type: probabilistic, probabilistic: { sampling_percentage: 10 } }
`;

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'sampling-kill-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The workload as one record per trace (every delivery, retries included), in order of first arrival. */
function workload(): { traces: Map<string, Span[]>; gt: GroundTruth } {
  const w = generateWorkload({ seed: 'sampling-kill', traces: 1_500, tracesPerSecond: 10, errorRate: 0.05, slowRate: 0.03, lateRate: 0, duplicateRate: 0.002 });
  const traces = new Map<string, Span[]>();
  for (const d of w.deliveries) {
    const spans = traces.get(d.span.traceId);
    if (spans) spans.push(d.span);
    else traces.set(d.span.traceId, [d.span]);
  }
  return { traces, gt: w.groundTruth };
}

/** Kept span count per trace from a single instance: the same topology on the test driver. */
async function reference(traces: ReadonlyMap<string, Span[]>): Promise<Map<string, number>> {
  const h = await samplingHarness(SAMPLING_YAML);
  try {
    for (const spans of traces.values()) await h.send(spans);
    await h.advance(1_100);
    await h.advance(1_100);
    return spanCounts(h.sampled());
  } finally {
    await h.driver.close();
  }
}

function spanCounts(sampled: readonly SampledTrace[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of sampled) out.set(t.traceId, (out.get(t.traceId) ?? 0) + t.spans.length);
  return out;
}

async function produce(kafka: Kafka, topic: string, traces: readonly Span[][]): Promise<void> {
  const serdes = await pipelineSerdes();
  const producer = kafka.producer();
  await producer.connect();
  try {
    // 50 traces a request: a partition's share stays under the broker's 1 MiB batch limit.
    for (let i = 0; i < traces.length; i += 50) {
      const messages = traces.slice(i, i + 50).map((spans) => ({ key: spans[0]?.traceId ?? '', value: serdes.spanBatch.serialize(spans) }));
      await producer.send({ topic, acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

const sorted = (m: ReadonlyMap<string, number>) => [...m].sort(([a], [b]) => a.localeCompare(b));
type SamplingStatus = WorkerStatus & { inFlight?: number; decisions?: number };

describe('tail sampling on the broker, exactly-once, one of two instances killed', () => {
  it('keeps the same traces with the same spans as a single instance; edges equal the ground truth, minute by minute', async () => {
    const { traces, gt } = workload();
    const expected = await reference(traces);
    expect(expected.size).toBeGreaterThan(150);

    const kafka = testKafka();
    const topics: TailSamplingTopics = {
      rawSpans: uniqueName('raw-spans'),
      deadLetter: uniqueName('raw-spans-dlq'),
      sampledSpans: uniqueName('sampled-spans'),
      dependencyEdges: uniqueName('dependency-edges'),
      spanMetrics: uniqueName('span-metrics'),
    };
    await testTopicAdmin(kafka).ensureTopics(Object.values(topics).map((topic) => ({ topic, partitions: PARTITIONS })));
    const env = { APP_ID: uniqueName('sampling-app'), TOPICS: JSON.stringify(topics), SAMPLING_YAML, GUARANTEE: 'exactly_once' };
    const script = join(import.meta.dirname, 'support/sampling-worker.ts');
    const a = new WorkerProcess(script, { ...env, STATE_DIR: tempDir() });
    const b = new WorkerProcess(script, { ...env, STATE_DIR: tempDir() });
    try {
      await a.waitFor((s) => s.partitions.length > 0, 'worker a assignment');
      await b.waitFor((s) => s.partitions.length > 0, 'worker b assignment');
      await a.waitFor((s) => s.partitions.length === PARTITIONS / 2, 'a 3/6 split');

      const all = [...traces.values()];
      const half = Math.floor(all.length / 2);
      await produce(kafka, topics.rawSpans, all.slice(0, half));
      // Kill while a has committed work and traces buffered, undecided.
      await a.waitFor((s: SamplingStatus) => s.in > 100 && s.commits > 0 && (s.inFlight ?? 0) > 0, 'a buffering traces and committing');
      const killedWith = a.last as SamplingStatus;
      await a.kill('SIGKILL');
      await produce(kafka, topics.rawSpans, all.slice(half));
      await b.waitFor((s) => s.partitions.length === PARTITIONS, 'b takes over all partitions', 30_000);
      expect(b.last.restored).toBeGreaterThan(0);

      const kept = new Map<string, number>();
      const edges = new Map<string, number>();
      const edgesPerMinute = new Map<string, number>();
      // Per-minute totals the failover must reproduce: each whole trace's calls, by minute.
      const expectedPerMinute = new Map<string, number>();
      for (const spans of traces.values()) {
        for (const o of deriveEdges(spans)) {
          const k = `${windowStart(o.timestampMs)}|${edgeKey(o.parent, o.child, o.connectionType)}`;
          expectedPerMinute.set(k, (expectedPerMinute.get(k) ?? 0) + 1);
        }
      }
      const expectedSpans = [...expected.values()].reduce((n, c) => n + c, 0);
      let keptSpans = 0;
      let edgeCalls = 0;
      const gtCalls = [...gt.edges.values()].reduce((n, c) => n + c, 0);
      const serdes = await pipelineSerdes();
      // Two readers on one consumer loop would interleave; read sampled spans, then edges.
      await consumeUntil(
        kafka,
        topics.sampledSpans,
        (_k, v) => {
          const t = serdes.sampledTrace.deserialize(v as Buffer) as SampledTrace;
          kept.set(t.traceId, (kept.get(t.traceId) ?? 0) + t.spans.length);
          keptSpans += t.spans.length;
        },
        () => keptSpans >= expectedSpans,
        45_000,
      );
      await consumeUntil(
        kafka,
        topics.dependencyEdges,
        (_k, v) => {
          const e = serdes.dependencyEdge.deserialize(v as Buffer) as DependencyEdge;
          const k = edgeKey(e.parent, e.child, e.connectionType);
          edges.set(k, (edges.get(k) ?? 0) + e.calls);
          const m = `${e.windowStartMs}|${k}`;
          edgesPerMinute.set(m, (edgesPerMinute.get(m) ?? 0) + e.calls);
          edgeCalls += e.calls;
        },
        () => edgeCalls >= gtCalls,
        30_000,
      );
      expect(killedWith.inFlight).toBeGreaterThan(0);
      expect(sorted(kept)).toEqual(sorted(expected));
      expect(sorted(edges)).toEqual(sorted(gt.edges));
      expect(sorted(edgesPerMinute)).toEqual(sorted(expectedPerMinute));
      expect(new Set([...edgesPerMinute.keys()].map((k) => k.split('|')[0])).size).toBeGreaterThan(1);
    } finally {
      await a.kill('SIGKILL');
      await b.kill('SIGTERM');
    }
  }, 90_000);
});
