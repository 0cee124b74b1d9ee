import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/clickhouse/migrate.ts';
import { MockClock } from '../../src/streams/clock.ts';
import { InMemoryBroker } from '../../src/streams/in-memory-broker.ts';
import { LocalRuntime } from '../../src/streams/local-runtime.ts';
import { openTestClickHouse, type TestClickHouse } from '../fixtures/clickhouse.ts';
import { appendInputs, edge, sampled, sinkTopology, spanMetrics, traceSpans } from '../fixtures/sink.ts';
import { pipelineSerdes } from '../fixtures/tail-sampling.ts';
import { tempDirs } from '../fixtures/temp-dirs.ts';

let ch: TestClickHouse;
const tempDir = tempDirs('sink-replay-');
beforeAll(async () => {
  ch = await openTestClickHouse();
});
afterAll(async () => {
  await ch?.close();
});

const num = async (sql: string): Promise<number> => Number((await ch.rows<{ v: string }>(`SELECT (${sql}) AS v`))[0]?.v);
const never = new Promise<void>(() => undefined);

/**
 * An instance on the LocalRuntime (commits per poll, not per record, so batches hold many
 * records). `freezeAfter`: the first acknowledged insert into that table never returns —
 * the process "died" after the insert and before its offsets were committed.
 */
async function instance(broker: InMemoryBroker, freezeAfter?: string, batchRows = 10_000, maxPollRecords = 1000) {
  const serdes = await pipelineSerdes();
  let frozen!: () => void;
  const died = new Promise<void>((resolve) => (frozen = resolve));
  const freeze = (b: { table: string }) => {
    if (b.table !== freezeAfter) return undefined;
    frozen();
    return never;
  };
  const { topology, metrics } = sinkTopology(serdes, ch.client, { batchRows, ...(freezeAfter === undefined ? {} : { afterInsert: freeze }) });
  const stateDir = tempDir();
  const runtime = new LocalRuntime({ broker, stateDir, clock: new MockClock(1_800_000_000_000), changelogs: false, maxPollRecords });
  await runtime.add('sink', topology);
  return { runtime, metrics, died };
}

describe('sink replay after a crash between insert and offset commit (LocalRuntime, chdb)', () => {
  it.each(['spans', 'trace_blobs', 'dependency_edges'])(
    'the batch into %s is re-cut at its recorded range although more input arrived: totals exact',
    async (table) => {
      const database = `replay_${table}`;
      await migrate(ch.client, { database, spansTtlDays: 0, errorTtlDays: 0, minuteTtlDays: 0, hourTtlDays: 0 });
      await ch.client.command({ query: `USE ${database}` });
      const serdes = await pipelineSerdes();
      const broker = new InMemoryBroker(1);
      const traces = (from: number, n: number) => Array.from({ length: n }, (_, i) => sampled(traceSpans(from + i, 2)));
      const edges = (n: number, calls: number) => Array.from({ length: n }, () => edge(calls));
      appendInputs(broker, serdes, { traces: traces(0, 4), edges: edges(5, 1), metrics: [spanMetrics(2)] });

      const a = await instance(broker, table);
      void a.runtime.drain(); // hangs for good after the insert into `table`
      await a.died;
      expect(await num(`SELECT count() FROM ${table}`)).toBeGreaterThan(0);
      expect(a.metrics.rowsInserted.get({ table })).toBeGreaterThan(0);

      // Input that arrived meanwhile: without the recorded cut the replay would batch it together with a new token.
      appendInputs(broker, serdes, { traces: traces(100, 3), edges: edges(4, 10), metrics: [spanMetrics(3)] });
      const b = await instance(broker);
      await b.runtime.drain();
      expect(b.metrics.replayedBatches.get({ table })).toBe(1);

      expect(await num('SELECT count() FROM spans')).toBe(7 * 3); // raw rows: no replacing merge hides copies
      expect(await num('SELECT uniqExact(trace_id, span_id) FROM spans')).toBe(21);
      expect(await num('SELECT count() FROM trace_blobs')).toBe(7); // one row per record, raw rows: landed once
      expect(await num('SELECT sum(span_count) FROM trace_blobs')).toBe(21);
      expect(await num('SELECT sum(calls) FROM dependency_edges')).toBe(5 * 1 + 4 * 10);
      expect(await num('SELECT sum(calls) FROM dependency_edges_1h')).toBe(45);
      expect(await num('SELECT sum(calls) FROM span_metrics')).toBe(5);
      await b.runtime.close();
    },
  );

  it('a replayed batch longer than one poll is read to its end before the commit, not rewound forever', async () => {
    await migrate(ch.client, { database: 'replay_long', spansTtlDays: 0, errorTtlDays: 0, minuteTtlDays: 0, hourTtlDays: 0 });
    await ch.client.command({ query: 'USE replay_long' });
    const broker = new InMemoryBroker(1);
    const serdes = await pipelineSerdes();
    appendInputs(broker, serdes, { traces: Array.from({ length: 12 }, (_, i) => sampled(traceSpans(i, 2))) });
    const a = await instance(broker, 'spans');
    void a.runtime.drain();
    await a.died;

    const b = await instance(broker, undefined, 10_000, 2); // six polls to re-read the batch
    const failures = () => b.runtime.metrics.commitFailures.total();
    let watch: ReturnType<typeof setInterval> | undefined;
    const spinning = new Promise<never>((_, reject) => {
      watch = setInterval(() => failures() > 10 && reject(new Error(`${failures()} commit failures: the replay is rewound again and again`)), 20);
    });
    try {
      await Promise.race([b.runtime.drain(), spinning]);
    } finally {
      clearInterval(watch);
    }
    expect(failures()).toBe(0);
    expect(b.metrics.replayedBatches.get({ table: 'spans' })).toBe(1);
    expect(await num('SELECT count() FROM spans')).toBe(12 * 3);
    await b.runtime.close();
  });

  it('batches by row count: a full table batch is committed at once', async () => {
    await migrate(ch.client, { database: 'batching', minuteTtlDays: 0, hourTtlDays: 0 });
    await ch.client.command({ query: 'USE batching' });
    const broker = new InMemoryBroker(1);
    appendInputs(broker, await pipelineSerdes(), { edges: Array.from({ length: 12 }, (_, i) => edge(i + 1)) });
    const s = await instance(broker, undefined, 5);
    await s.runtime.drain();
    expect(s.metrics.batches.get({ table: 'dependency_edges' })).toBe(3); // 5 + 5 + 2
    const last = await ch.rows<Record<string, string>>("SELECT toString(from_offset) AS f, toString(to_offset) AS t, token FROM sink_batches FINAL WHERE table = 'dependency_edges'");
    expect(last).toEqual([{ f: '10', t: '11', token: 'dependency_edges:dependency-edges:0:10-11' }]);
    expect(await num('SELECT sum(calls) FROM dependency_edges')).toBe(78);
    expect(s.metrics.bufferedRows.get({ task: 0 })).toBe(0);
    await s.runtime.close();
  });
});
