/**
 * Tail sampling survives losing an instance: the topology on KafkaRuntime in two worker
 * processes, exactly-once; one is SIGKILLed mid-stream with traces in flight, the survivor
 * restores them from the changelogs and carries on. Kept traces, edges and span metrics
 * (read_committed) equal a single-instance run of the same input (see sampling-fault.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { testBrokers } from '../fixtures/kafka.ts';
import {
  createSamplingTopics,
  expectedMinuteTotals,
  expectSameAsSingleInstance,
  faultKafka,
  faultWorkload,
  PARTITIONS,
  produceTraces,
  referenceKept,
  SamplingWorkers,
  type SamplingStatus,
} from '../fixtures/sampling-fault.ts';

const brokers = testBrokers().join(',');
let workers: SamplingWorkers | undefined;
afterAll(() => workers?.stopAll());

describe('tail sampling on the broker, exactly-once, one of two instances killed', () => {
  it('keeps the same traces with the same spans as a single instance; edges and metrics equal per minute', async () => {
    const traces = faultWorkload('sampling-kill');
    const expected = await referenceKept(traces);
    expect(expected.size).toBeGreaterThan(150);
    const kafka = faultKafka(brokers);
    const topics = await createSamplingTopics(kafka);
    workers = new SamplingWorkers(topics, brokers);
    const a = workers.start();
    const b = workers.start();
    await a.waitFor((s) => s.partitions.length > 0, 'worker a assignment');
    await b.waitFor((s) => s.partitions.length > 0, 'worker b assignment');
    await a.waitFor((s) => s.partitions.length === PARTITIONS / 2, 'a 3/6 split');

    const all = [...traces.values()];
    const half = Math.floor(all.length / 2);
    await produceTraces(kafka, topics.rawSpans, all.slice(0, half));
    // Kill while a has committed work and traces buffered, undecided.
    await a.waitFor((s: SamplingStatus) => s.in > 100 && s.commits > 0 && (s.inFlight ?? 0) > 0, 'a buffering traces and committing');
    const killedWith = a.last as SamplingStatus;
    await a.kill('SIGKILL');
    await produceTraces(kafka, topics.rawSpans, all.slice(half));
    await b.waitFor((s) => s.partitions.length === PARTITIONS, 'b takes over all partitions', 30_000);
    expect(b.last.restored).toBeGreaterThan(0);
    expect(killedWith.inFlight).toBeGreaterThan(0);

    await expectSameAsSingleInstance(kafka, topics, expected, expectedMinuteTotals(traces));
  }, 300_000);
});
