/**
 * Scaling out and back in during a run: one instance, then three (two rebalances while
 * traces are buffered), then one again (the two leave gracefully). Kept traces, edges and
 * span metrics equal a single-instance run of the same input (see sampling-fault.ts).
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

describe('tail sampling on the broker, exactly-once, scaled 1 → 3 → 1 mid-stream', () => {
  it('keeps the same traces with the same spans as a single instance; edges and metrics equal per minute', async () => {
    const traces = faultWorkload('sampling-scale');
    const expected = await referenceKept(traces);
    const kafka = faultKafka(brokers);
    const topics = await createSamplingTopics(kafka);
    workers = new SamplingWorkers(topics, brokers);
    const all = [...traces.values()];
    const third = Math.floor(all.length / 3);

    const a = workers.start();
    await a.waitFor((s) => s.partitions.length === PARTITIONS, 'a owns every partition');
    await produceTraces(kafka, topics.rawSpans, all.slice(0, third));
    await a.waitFor((s: SamplingStatus) => s.commits > 0 && (s.inFlight ?? 0) > 0, 'a buffering traces and committing');

    const b = workers.start();
    const c = workers.start();
    for (const [w, name] of [[a, 'a'], [b, 'b'], [c, 'c']] as const) await w.waitFor((s) => s.partitions.length === 2, `${name} owns 2 of 6`, 60_000);
    await produceTraces(kafka, topics.rawSpans, all.slice(third, 2 * third));
    await b.waitFor((s: SamplingStatus) => s.in > 0 && s.commits > 0, 'b processing and committing');
    await c.waitFor((s: SamplingStatus) => s.in > 0 && s.commits > 0, 'c processing and committing');
    expect(b.last.restored + c.last.restored).toBeGreaterThan(0);

    await Promise.all([b.kill('SIGTERM'), c.kill('SIGTERM')]);
    await a.waitFor((s) => s.partitions.length === PARTITIONS, 'a owns every partition again', 60_000);
    await produceTraces(kafka, topics.rawSpans, all.slice(2 * third));

    await expectSameAsSingleInstance(kafka, topics, expected, expectedMinuteTotals(traces));
  }, 300_000);
});
