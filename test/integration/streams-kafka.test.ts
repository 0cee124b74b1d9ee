import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { build, COUNTS_STORE } from '../../topologies/event-count.ts';
import { KafkaRuntime, type ProcessingGuarantee } from '../../src/streams/kafka-runtime.ts';
import { changelogTopic } from '../../src/state/store.ts';
import { expectedCounts, produceKeyed, testKafka, testTopicAdmin } from '../fixtures/kafka.ts';
import { eventCountTopics, finalCounts } from '../fixtures/event-count-app.ts';
import { WorkerProcess } from '../fixtures/worker.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'streams-it-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function runtime(kafka: ReturnType<typeof testKafka>, appId: string, input: string, output: string, stateDir: string, guarantee: ProcessingGuarantee = 'at_least_once', countsResidentBytes?: number) {
  return new KafkaRuntime({
    applicationId: appId,
    topology: build({ inputTopic: input, outputTopic: output, ...(countsResidentBytes === undefined ? {} : { countsResidentBytes }) }),
    kafka,
    topicAdmin: testTopicAdmin(kafka),
    stateDir,
    processingGuarantee: guarantee,
    sessionTimeoutMs: 6000,
    heartbeatIntervalMs: 500,
  });
}

describe('KafkaRuntime on the broker', () => {
  it('counts 100k records per key exactly', async () => {
    const { kafka, input, output, appId } = await eventCountTopics();
    await produceKeyed(kafka, input, 0, 100_000, 1000);
    const rt = runtime(kafka, appId, input, output, tempDir());
    await rt.start();
    try {
      const expected = expectedCounts(100_000, 1000);
      const last = await finalCounts(kafka, output, expected);
      expect(Object.fromEntries(last)).toEqual(Object.fromEntries(expected));
      expect(rt.metrics.recordsIn.total()).toBe(100_000);
    } finally {
      await rt.stop();
    }
  });

  it.each<[ProcessingGuarantee]>([['at_least_once'], ['exactly_once']])(
    'two instances split the partitions; after SIGKILL of one the survivor restores and the totals hold (%s)',
    async (guarantee) => {
      const { kafka, input, output, appId } = await eventCountTopics();
      const env = { APP_ID: appId, INPUT_TOPIC: input, OUTPUT_TOPIC: output, GUARANTEE: guarantee };
      const script = join(import.meta.dirname, 'support/event-count-worker.ts');
      const a = new WorkerProcess(script, { ...env, STATE_DIR: tempDir() });
      const b = new WorkerProcess(script, { ...env, STATE_DIR: tempDir() });
      try {
        await a.waitFor((s) => s.partitions.length > 0, 'worker a assignment');
        await b.waitFor((s) => s.partitions.length > 0, 'worker b assignment');
        await a.waitFor((s) => s.partitions.length === 3, 'a 3/6 split');
        expect([...a.last.partitions, ...b.last.partitions].sort()).toEqual([0, 1, 2, 3, 4, 5]);
        await produceKeyed(kafka, input, 0, 20_000, 500);
        await a.waitFor((s) => s.in > 2000 && s.commits > 0, 'a processing and committing');
        await a.kill('SIGKILL');
        await produceKeyed(kafka, input, 20_000, 20_000, 500);
        await b.waitFor((s) => s.partitions.length === 6, 'b takes over all partitions');
        expect(b.last.restored).toBeGreaterThan(0);
        const expected = expectedCounts(40_000, 500);
        const last = await finalCounts(kafka, output, expected);
        for (const [k, n] of expected) {
          if (guarantee === 'exactly_once') expect(last.get(k), k).toBe(n);
          else expect(last.get(k), k).toBeGreaterThanOrEqual(n);
        }
      } finally {
        await a.kill('SIGKILL');
        await b.kill('SIGTERM');
      }
    },
  );

  it('restarts on local state and restores only the changelog delta after its checkpoint', async () => {
    const { kafka, input, output, appId } = await eventCountTopics(2);
    const stateA = tempDir();
    await produceKeyed(kafka, input, 0, 6000, 300);
    const a = runtime(kafka, appId, input, output, stateA);
    await a.start();
    await finalCounts(kafka, output, expectedCounts(6000, 300));
    await a.stop();
    // Another instance (fresh disk) moves the partitions on: 600 more records, 300 keys.
    await produceKeyed(kafka, input, 6000, 600, 300);
    const b = runtime(kafka, appId, input, output, tempDir());
    await b.start();
    await finalCounts(kafka, output, expectedCounts(6600, 300));
    const fullRestore = b.metrics.restoredRecords.total();
    await b.stop();
    const admin = kafka.admin();
    await admin.connect();
    const changelogTotal = (await admin.fetchTopicOffsets(changelogTopic(appId, COUNTS_STORE))).reduce((n, o) => n + Number(o.high), 0);
    await admin.disconnect();
    const restarted = runtime(kafka, appId, input, output, stateA);
    await restarted.start();
    try {
      const until = Date.now() + 30_000;
      while (restarted.ownedPartitions().length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      const delta = restarted.metrics.restoredRecords.total();
      expect(fullRestore).toBeGreaterThan(0);
      expect(delta).toBeGreaterThan(0);
      expect(delta).toBe(changelogTotal - fullRestore);
      const store = restarted.task(0)?.store(COUNTS_STORE);
      const store1 = restarted.task(1)?.store(COUNTS_STORE);
      const k0 = (await store?.get('k0')) ?? (await store1?.get('k0'));
      expect(k0).toBe(22n);
    } finally {
      await restarted.stop();
    }
  });

  it('a store held in memory is restored from the start of its changelog on every open, and counts on exactly', async () => {
    const { kafka, input, output, appId } = await eventCountTopics(2);
    const state = tempDir();
    await produceKeyed(kafka, input, 0, 3000, 100);
    const a = runtime(kafka, appId, input, output, state, 'at_least_once', 1024 * 1024);
    await a.start();
    await finalCounts(kafka, output, expectedCounts(3000, 100));
    await a.stop();
    const admin = kafka.admin();
    await admin.connect();
    const changelogTotal = (await admin.fetchTopicOffsets(changelogTopic(appId, COUNTS_STORE))).reduce((n, o) => n + Number(o.high), 0);
    await admin.disconnect();
    // Same disk, checkpoint and all: a store on RocksDB would restore nothing here.
    await produceKeyed(kafka, input, 3000, 300, 100);
    const restarted = runtime(kafka, appId, input, output, state, 'at_least_once', 1024 * 1024);
    await restarted.start();
    try {
      await finalCounts(kafka, output, expectedCounts(3300, 100));
      expect(restarted.metrics.restoredRecords.total()).toBe(changelogTotal);
    } finally {
      await restarted.stop();
    }
  });
});
