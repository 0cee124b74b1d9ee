/**
 * Tail sampling rides out broker failures by itself: a single broker killed with SIGKILL
 * mid-stream and started again, and the partition leader of a 3-node cluster killed. Each
 * runs on a cluster of its own (the shared test broker stays up for the other tests), and
 * the kept traces, edges and span metrics must equal a single-instance run with no fault.
 */
import type { Kafka } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { startKafkaCluster, type KafkaCluster } from '../broker/kafka-broker.ts';
import { faultKafka, PARTITIONS, startFaultRun, type FaultRun, type SamplingStatus } from '../fixtures/sampling-fault.ts';

/** Waits until no partition of `topics` is led by node `dead` (bounded, naming what it waited for). */
async function leadersMovedOff(kafka: Kafka, topics: string[], dead: number, timeoutMs = 60_000): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const until = Date.now() + timeoutMs; ; ) {
      const meta = await admin.fetchTopicMetadata({ topics }).catch(() => undefined);
      const stuck = meta?.topics.flatMap((t) => t.partitions.filter((p) => p.leader === dead || p.leader < 0).map((p) => `${t.name}-${p.partitionId}`));
      if (stuck && stuck.length === 0) return;
      if (Date.now() > until) throw new Error(`partitions still led by killed node ${dead} after ${timeoutMs} ms: ${stuck?.join(', ') ?? 'no metadata'}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await admin.disconnect();
  }
}

let cluster: KafkaCluster | undefined;
let current: FaultRun | undefined;
afterEach(async () => {
  await current?.stop();
  await cluster?.stop();
});

/**
 * A cluster of its own, one worker owning every partition, the first half of a seeded
 * workload in and the worker committing with traces still buffered: the moment to strike.
 */
async function firstHalfBuffered(seed: string, nodes: { nodes: number; heapMb: number }) {
  cluster = await startKafkaCluster(nodes);
  const run = await startFaultRun(seed, { brokers: cluster.bootstrap, traces: 900 });
  current = run;
  const a = run.workers.start();
  await a.waitFor((s) => s.partitions.length === PARTITIONS, 'a owns every partition');
  const half = Math.floor(run.traces.length / 2);
  await run.produce(run.traces.slice(0, half));
  // A commit counted before the records were processed (ticks ask for commits too, the
  // group join commits nothing) holds none of them: wait for one made while they are buffered.
  await a.waitFor((s: SamplingStatus) => s.in > 100 && (s.inFlight ?? 0) > 0, 'a buffering traces');
  const commitsBuffering = a.last.commits;
  await a.waitFor((s: SamplingStatus) => s.commits > commitsBuffering && (s.inFlight ?? 0) > 0, 'a committing buffered traces');
  return { run, a, rest: run.traces.slice(half) };
}

describe('tail sampling on the broker, exactly-once, broker failures', () => {
  it('a single broker killed with SIGKILL mid-stream and restarted: the pipeline recovers by itself, nothing lost or doubled', async () => {
    const { run, a, rest } = await firstHalfBuffered('broker-kill', { nodes: 1, heapMb: 384 });
    if (!cluster) throw new Error('no cluster');

    const broker = cluster.nodes[0];
    if (!broker) throw new Error('no broker node');
    await broker.kill('SIGKILL');
    const commitsBefore = a.last.commits;
    await broker.start();
    await run.produce(rest);
    await a.waitFor((s) => s.commits > commitsBefore + 5, 'a committing again after the broker restart', 90_000);

    await run.expectSameAsSingleInstance();
  }, 240_000);

  it('the partition leader of a 3-node cluster killed with SIGKILL: the pipeline recovers by itself, nothing lost or doubled', async () => {
    const { run, a, rest } = await firstHalfBuffered('leader-kill', { nodes: 3, heapMb: 320 });
    if (!cluster) throw new Error('no cluster');

    const { topics } = run;
    const admin = run.kafka.admin();
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: [topics.sampledSpans] });
    await admin.disconnect();
    const leaderId = meta.topics[0]?.partitions.find((p) => p.partitionId === 0)?.leader;
    const leader = cluster.nodes.find((n) => n.id === leaderId);
    if (!leader) throw new Error(`no leader node for ${topics.sampledSpans}-0 (got ${leaderId})`);
    await leader.kill('SIGKILL');
    const commitsBefore = a.last.commits;
    const survivors = faultKafka(cluster.nodes.filter((n) => n !== leader).map((n) => `127.0.0.1:${n.port}`).join(','));
    // The controller moves leadership once the dead node's session expires; the test's own
    // producer waits for that, the pipeline has to find out by itself.
    await leadersMovedOff(survivors, Object.values(topics), leader.id);
    await run.produce(rest, survivors);
    await a.waitFor((s) => s.commits > commitsBefore + 5, 'a committing again without the killed leader', 90_000);

    await run.expectSameAsSingleInstance(survivors);
    expect(leader.running()).toBe(false);
  }, 240_000);
});
